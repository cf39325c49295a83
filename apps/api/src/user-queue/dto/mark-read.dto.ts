import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Body or query of `POST /queue/<user queue>/`: only `action=read` with a `key` is allowed there. */
export class MarkReadDto {
  @ApiPropertyOptional({ enum: ['read'], description: 'must be read' })
  @IsOptional()
  @IsString({ message: 'action must be a string' })
  action?: string;

  /** Key of the message read (`<ms>-<seq>`). */
  @ApiPropertyOptional({ example: '1764260000123-456', description: 'key of the message read' })
  @IsOptional()
  @IsString({ message: 'key must be a string' })
  @MaxLength(40, { message: 'key must be a message key (<ms>-<seq>)' })
  key?: string;
}
