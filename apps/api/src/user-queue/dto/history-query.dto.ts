import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

/** Query of `GET /queue/<user queue>/`. */
export class HistoryQueryDto {
  /** A message key (exclusive) or a timestamp in seconds (inclusive); absent or empty = the newest messages. */
  @ApiPropertyOptional({ example: '1764260000123-456', description: 'a message key <ms>-<seq> (exclusive) or a timestamp in seconds (inclusive)' })
  @IsOptional()
  @IsString({ message: 'since must be a single string' })
  since?: string;

  /** How many messages, 1 to MAX_HISTORY_LIMIT (larger is clamped); default DEFAULT_HISTORY_LIMIT. */
  @ApiPropertyOptional({ example: '20', description: '1 to 100 (larger is clamped), default 20' })
  @IsOptional()
  @IsString({ message: 'limit must be a single positive integer' })
  @Matches(/^\d*$/, { message: 'limit must be a positive integer' })
  limit?: string;
}
