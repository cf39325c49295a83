import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { HOUSEKEEPING_QUEUE, JOB, JobName } from '@push/jobs';
import { createRedisClient, KEY_SCHEMA } from '@push/redis';
import type { KeySchema, RedisClient } from '@push/redis';
import { Job, Queue, Worker } from 'bullmq';
import { RetentionTrimmerService } from '../housekeeping/retention-trimmer.service';
import { NodeReaperService } from '../liveness/node-reaper.service';

/** Retention trimming is cheap to delay: six probe periods, at most a minute. */
export function trimRetentionEveryMs(monitorPeriodMs: number): number {
  return Math.min(6 * monitorPeriodMs, 60_000);
}

/** Finished jobs kept for inspection; the rest are removed so the queue does not grow. */
const KEEP_COMPLETED = 20;
const KEEP_FAILED = 100;

/** What one tick of a job does; its result is logged at debug level. */
type JobHandler = () => Promise<unknown>;

/**
 * The monitor's periodic work as BullMQ job schedulers: every replica upserts the same schedulers and
 * runs a worker, and BullMQ hands each tick to exactly one worker, so several monitors never probe or
 * trim twice per tick. BullMQ gets connections of its own (maxRetriesPerRequest null, offline queue on),
 * not the fail-fast main connection.
 */
@Injectable()
export class MonitorJobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MonitorJobsService.name);
  private readonly handlers: Record<JobName, JobHandler>;
  private queue: Queue | null = null;
  private worker: Worker | null = null;
  private readonly connections: RedisClient[] = [];
  /** Set at the first queue/worker error of an outage, cleared by the next completed job. */
  private failingSinceMs: number | null = null;

  constructor(
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
    @Inject(KEY_SCHEMA) private readonly keys: KeySchema,
    reaper: NodeReaperService,
    trimmer: RetentionTrimmerService,
  ) {
    this.handlers = {
      [JOB.probeNodes]: () => reaper.probeNodes(),
      [JOB.trimRetention]: () => trimmer.trimRetention(),
    };
  }

  /** True while the worker takes jobs. */
  get running(): boolean {
    return this.worker?.isRunning() ?? false;
  }

  async onApplicationBootstrap(): Promise<void> {
    const missing = Object.values(JOB).filter((name) => typeof this.handlers[name] !== 'function');
    if (missing.length > 0) throw new Error(`no handler for job(s): ${missing.join(', ')}`);

    const prefix = this.keys.bullPrefix();
    const queueConnection = await this.connect('monitor-queue');
    const workerConnection = await this.connect('monitor-worker');
    this.queue = new Queue(HOUSEKEEPING_QUEUE, { connection: queueConnection, prefix });
    this.queue.on('error', (err: Error) => this.onBullError('queue', err));
    const template = { opts: { removeOnComplete: KEEP_COMPLETED, removeOnFail: KEEP_FAILED } };
    await this.queue.upsertJobScheduler(JOB.probeNodes, { every: this.config.monitorPeriodMs }, { name: JOB.probeNodes, ...template });
    await this.queue.upsertJobScheduler(
      JOB.trimRetention,
      { every: trimRetentionEveryMs(this.config.monitorPeriodMs) },
      { name: JOB.trimRetention, ...template },
    );
    this.worker = new Worker(HOUSEKEEPING_QUEUE, (job: Job) => this.run(job), {
      connection: workerConnection,
      prefix,
      // one of each job at a time: a slow trim never delays a probe
      concurrency: Object.keys(this.handlers).length,
    });
    this.worker.on('error', (err: Error) => this.onBullError('worker', err));
    this.worker.on('completed', () => {
      if (this.failingSinceMs === null) return;
      this.logger.log(`jobs run again after ${Date.now() - this.failingSinceMs} ms of queue/worker errors`);
      this.failingSinceMs = null;
    });
    this.worker.on('failed', (job: Job | undefined, err: Error) => this.logger.warn(`job ${job?.name ?? '?'} failed: ${err.message}`));
    this.logger.log(`scheduled ${Object.values(JOB).join(', ')} every ${this.config.monitorPeriodMs} ms / ${trimRetentionEveryMs(this.config.monitorPeriodMs)} ms`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
    await Promise.all(this.connections.map((c) => c.quit().catch((err: unknown) => this.logger.warn(`bullmq connection quit: ${String(err)}`))));
  }

  private async connect(role: string): Promise<RedisClient> {
    const client = await createRedisClient(this.config.redisUrl, `${this.keys.prefix.replace(/[^A-Za-z0-9_-]/g, '_')}${role}`, {
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
    });
    this.connections.push(client);
    return client;
  }

  /** BullMQ reports every failed reconnect attempt of each of its connections: said once per outage. */
  private onBullError(source: 'queue' | 'worker', err: Error): void {
    if (this.failingSinceMs !== null) return;
    this.failingSinceMs = Date.now();
    this.logger.warn(`${source} error (further ones are not logged until a job completes): ${err.message}`);
  }

  private async run(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as JobName] as JobHandler | undefined;
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    const result = await handler();
    this.logger.debug(`job ${job.name} done: ${JSON.stringify(result)}`);
    return result;
  }
}
