import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/** Longest title: room for a sentence, well under the 4 KiB notification cap. */
export const TITLE_MAX_CHARS = 1024;
/** Longest actionUrl (what browsers and proxies reliably carry). */
export const ACTION_URL_MAX_CHARS = 2048;
/** Longest replaceId: a group name, not content. */
export const REPLACE_ID_MAX_CHARS = 256;

/**
 * Body of `POST /queue/<push URL>/`. Only these fields are kept; others are ignored. `body` has no
 * limit of its own: the whole notification is capped at 4 KiB (413), which bounds it.
 */
export class PublishDto {
  @ApiProperty({ maxLength: TITLE_MAX_CHARS, example: 'message one' })
  @IsDefined({ message: 'title is required' })
  @IsString({ message: 'title must be a string' })
  @IsNotEmpty({ message: 'title must not be empty' })
  @MaxLength(TITLE_MAX_CHARS, { message: `title must be at most ${TITLE_MAX_CHARS} characters` })
  title!: string;

  @ApiPropertyOptional({ example: 'hi', description: 'bounded by the 4 KiB cap of the whole notification' })
  @IsOptional()
  @IsString({ message: 'body must be a string' })
  body?: string | null;

  /** An absolute http: or https: URL (checked by normalizeNotification). */
  @ApiPropertyOptional({ maxLength: ACTION_URL_MAX_CHARS, example: 'https://example.com/a', description: 'absolute http: or https: URL' })
  @IsOptional()
  @IsString({ message: 'actionUrl must be a string' })
  @MaxLength(ACTION_URL_MAX_CHARS, { message: `actionUrl must be at most ${ACTION_URL_MAX_CHARS} characters` })
  actionUrl?: string | null;

  @ApiPropertyOptional({ maxLength: REPLACE_ID_MAX_CHARS, example: 'inbox' })
  @IsOptional()
  @IsString({ message: 'replaceId must be a string' })
  @MaxLength(REPLACE_ID_MAX_CHARS, { message: `replaceId must be at most ${REPLACE_ID_MAX_CHARS} characters` })
  replaceId?: string | null;
}
