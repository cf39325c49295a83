import 'reflect-metadata';
import { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, PushConfig } from '@push/config';
import { MonitorModule } from './monitor.module';

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest's levels up to and including LOG_LEVEL. */
function logLevels(level: PushConfig['logLevel']): LogLevel[] {
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create<NestFastifyApplication>(MonitorModule, new FastifyAdapter(), {
    logger: logLevels(config.logLevel),
    abortOnError: false,
  });
  app.enableShutdownHooks();
  await app.listen(config.monitorPort, config.host);
}

bootstrap().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
