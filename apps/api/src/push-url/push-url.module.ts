import { Module } from '@nestjs/common';
import { TokenModule } from '../token/token.module';
import { PushUrlController } from './push-url.controller';
import { PushUrlService } from './push-url.service';

/** A token's push URLs. */
@Module({ imports: [TokenModule], controllers: [PushUrlController], providers: [PushUrlService], exports: [PushUrlService] })
export class PushUrlModule {}
