import { IsOptional, IsString, Matches } from 'class-validator';

/** Query of `GET /queue/<user queue>/`. */
export class HistoryQueryDto {
  /** A message key (exclusive) or a timestamp in seconds (inclusive); absent or empty = the newest messages. */
  @IsOptional()
  @IsString({ message: 'since must be a single string' })
  since?: string;

  /** How many messages, 1 to MAX_HISTORY_LIMIT (larger is clamped); default DEFAULT_HISTORY_LIMIT. */
  @IsOptional()
  @IsString({ message: 'limit must be a single positive integer' })
  @Matches(/^\d*$/, { message: 'limit must be a positive integer' })
  limit?: string;
}
