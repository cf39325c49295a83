import { Inject, Injectable, Logger } from '@nestjs/common';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { KEY_SCHEMA, REDIS, serversOf } from '@push/redis';
import type { KeySchema, RedisClient, RedisServer } from '@push/redis';

/** Streams visited per SCAN step, and trimmed per pipeline. */
const SCAN_BATCH = 500;

/**
 * Trims every user queue's entries older than STREAM_MAX_AGE_S: the only trim by age (a publish trims
 * its queue by length only, which saved Redis an XTRIM per publish), at most a minute behind.
 */
@Injectable()
export class RetentionTrimmerService {
  private readonly logger = new Logger(RetentionTrimmerService.name);

  constructor(
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(KEY_SCHEMA) private readonly keys: KeySchema,
  ) {}

  /** One trim-retention tick, over every master of a cluster; returns how many entries were removed. */
  async trimRetention(): Promise<{ streams: number; trimmed: number }> {
    const minId = `${Date.now() - this.config.streamMaxAgeS * 1000}-0`;
    let streams = 0;
    let trimmed = 0;
    for (const server of serversOf(this.redis, 'master')) {
      const done = await this.trimServer(server, minId);
      streams += done.streams;
      trimmed += done.trimmed;
    }
    if (trimmed > 0) this.logger.log(`trimmed entries=${trimmed} streams=${streams}`);
    return { streams, trimmed };
  }

  /** SCANs one server for user queue streams and trims them there (SCAN is per server, and the keys it names are that server's). */
  private async trimServer(server: RedisServer, minId: string): Promise<{ streams: number; trimmed: number }> {
    let cursor = '0';
    let streams = 0;
    let trimmed = 0;
    do {
      const [next, found] = await server.scan(cursor, 'MATCH', this.keys.streamPattern(), 'COUNT', SCAN_BATCH, 'TYPE', 'stream');
      cursor = next;
      if (found.length === 0) continue;
      const pipeline = server.pipeline();
      for (const stream of found) pipeline.xtrim(stream, 'MINID', minId);
      for (const [err, removed] of (await pipeline.exec()) ?? []) {
        if (err) throw err;
        trimmed += Number(removed);
      }
      streams += found.length;
    } while (cursor !== '0');
    return { streams, trimmed };
  }
}
