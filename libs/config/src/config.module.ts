import { Global, Module } from '@nestjs/common';
import { loadConfig, PushConfig } from './config.schema';

/** Injection token of the validated PushConfig. */
export const PUSH_CONFIG = Symbol('PUSH_CONFIG');

/** Provides the PushConfig, validated once when the module is built (boot fails fast on bad env). */
@Global()
@Module({
  providers: [{ provide: PUSH_CONFIG, useFactory: (): PushConfig => loadConfig() }],
  exports: [PUSH_CONFIG],
})
export class ConfigModule {}
