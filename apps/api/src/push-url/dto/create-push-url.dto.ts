import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, MaxLength } from 'class-validator';

/** Body of `POST /queue/`: the site a push URL is for (the token comes with it, see AuthToken). */
export class CreatePushUrlDto {
  /** Host name, optionally with `:port`; normalised by normalizeDomain. */
  @ApiProperty({ example: 'example.com', maxLength: 260, description: 'host name, optionally with :port' })
  @IsDefined({ message: 'domain is required' })
  @IsString({ message: 'domain must be a string' })
  @MaxLength(260, { message: 'domain must be at most 260 characters' })
  domain!: string;
}
