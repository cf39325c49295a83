import { Transform } from 'class-transformer';
import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, MaxLength } from 'class-validator';

/** Body (or query) of `PUT /queue/<user queue>/`. */
export class LastSeenDto {
  /** Seconds since the epoch as a decimal string; a JSON number is taken as its decimal text. */
  @ApiProperty({ example: '1764260000.123456', description: 'seconds since the epoch (a JSON number is accepted too)' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value))
  @IsDefined({ message: 'timestamp is required' })
  @IsString({ message: 'timestamp must be a string of seconds, e.g. "1764260000.123456"' })
  @MaxLength(32, { message: 'timestamp must be at most 32 characters' })
  timestamp!: string;
}
