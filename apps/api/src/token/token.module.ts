import { Module } from '@nestjs/common';
import { TokenController } from './token.controller';
import { TokenService } from './token.service';

/** Client creation and token checks (used by every feature that needs a token). */
@Module({ controllers: [TokenController], providers: [TokenService], exports: [TokenService] })
export class TokenModule {}
