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
  @IsDefined({ message: 'title is required' })
  @IsString({ message: 'title must be a string' })
  @IsNotEmpty({ message: 'title must not be empty' })
  @MaxLength(TITLE_MAX_CHARS, { message: `title must be at most ${TITLE_MAX_CHARS} characters` })
  title!: string;

  @IsOptional()
  @IsString({ message: 'body must be a string' })
  body?: string | null;

  /** An absolute http: or https: URL (checked by normalizeNotification). */
  @IsOptional()
  @IsString({ message: 'actionUrl must be a string' })
  @MaxLength(ACTION_URL_MAX_CHARS, { message: `actionUrl must be at most ${ACTION_URL_MAX_CHARS} characters` })
  actionUrl?: string | null;

  @IsOptional()
  @IsString({ message: 'replaceId must be a string' })
  @MaxLength(REPLACE_ID_MAX_CHARS, { message: `replaceId must be at most ${REPLACE_ID_MAX_CHARS} characters` })
  replaceId?: string | null;
}
