import { hostname } from 'node:os';
import { DynamicModule, InjectionToken, Module, Provider, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TerminusModule } from '@nestjs/terminus';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { Logger, LoggerModule, PinoLogger } from 'nestjs-pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { AnsweredRequest, loggerParams, requestLogger } from './json-logger';
import { MetricsController } from './metrics.controller';
import { ApiMetrics, GatewayMetrics, MonitorMetrics, RedisMetrics } from './push-metrics';
import { PushHealthIndicators, ReadinessCheck } from './readiness';
import { RedisRttProbe } from './redis-rtt.probe';
import { APP_NAME, METRICS_REGISTRY, PROCESS_ID } from './tokens';
import type { AppName } from './tokens';

/** Options of ObservabilityModule.forRoot. */
export interface ObservabilityOptions {
  /** The app this process runs: chooses its metrics class, logged as `app`. */
  readonly app: AppName;
  /** Token of an id the app already has (the gateway's NODE_ID); absent = `<hostname>-<pid>`. */
  readonly processId?: InjectionToken;
}

const APP_METRICS: Readonly<Record<AppName, Type<unknown>>> = { api: ApiMetrics, gateway: GatewayMetrics, monitor: MonitorMetrics };

/** A fresh registry (not prom-client's global one), with the default process metrics unless told otherwise (tests). */
export function createMetricsRegistry(withProcessMetrics = true): Registry {
  const registry = new Registry();
  if (withProcessMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Health, metrics and logs for one app: JSON logging (nestjs-pino), GET /metrics (prom-client), the
 * Redis RTT probe, the app's metrics class, and terminus with Push's indicators for its /readyz.
 * Global, so any feature can inject its metrics class.
 */
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    const processId: Provider =
      options.processId !== undefined ? { provide: PROCESS_ID, useExisting: options.processId } : { provide: PROCESS_ID, useValue: `${hostname()}-${process.pid}` };
    const appMetrics = APP_METRICS[options.app];
    return {
      module: ObservabilityModule,
      global: true,
      imports: [
        // terminus' own failure log would repeat on every probe of an outage; each app logs it once
        TerminusModule.forRoot({ logger: false }),
        LoggerModule.forRootAsync({
          providers: [processId],
          inject: [PUSH_CONFIG, PROCESS_ID],
          useFactory: (config: PushConfig, id: string) => loggerParams(options.app, id, config.logLevel),
        }),
      ],
      controllers: [MetricsController],
      providers: [
        processId,
        { provide: APP_NAME, useValue: options.app },
        { provide: METRICS_REGISTRY, useFactory: () => createMetricsRegistry() },
        RedisMetrics,
        RedisRttProbe,
        appMetrics,
        PushHealthIndicators,
        ReadinessCheck,
      ],
      exports: [PROCESS_ID, APP_NAME, METRICS_REGISTRY, RedisMetrics, appMetrics, PushHealthIndicators, ReadinessCheck],
    };
  }
}

/** The request line writer of this process's logger (for requests answered outside Fastify: the publish lane). */
export function appRequestLogger(): (req: AnsweredRequest, statusCode: number, elapsedMs: number) => void {
  return requestLogger(PinoLogger.root);
}

/**
 * Makes Nest (and every `new Logger(...)` of @nestjs/common) log through pino, writes one line per
 * answered request at the level its status calls for (json-logger.ts), and answers each request's id
 * as X-Request-Id. Call once after create (with bufferLogs: true, and FASTIFY_REQUEST_IDS in the adapter).
 */
export function useJsonLogger(app: NestFastifyApplication): void {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  const logRequest = appRequestLogger();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.header('x-request-id', req.id);
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    logRequest(req, reply.statusCode, reply.elapsedTime);
    done();
  });
}
