import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@push/config';
import { MonitorModule } from './monitor.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create<NestFastifyApplication>(MonitorModule, new FastifyAdapter());
  app.enableShutdownHooks();
  await app.listen(config.monitorPort, config.host);
}

void bootstrap();
