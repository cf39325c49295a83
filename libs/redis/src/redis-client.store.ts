import { ClientStore } from '@push/domain';
import { KeySchema } from './key-schema';
import { RedisClient } from './redis-client.factory';

/** Tokens as `tok:<sha256>` → user queue id. */
export class RedisClientStore implements ClientStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySchema,
  ) {}

  async createClient(tokenHash: string, userQueueId: string): Promise<void> {
    const set = await this.redis.set(this.keys.token(tokenHash), userQueueId, 'NX');
    if (set !== 'OK') throw new Error('token hash collision: refusing to overwrite a client');
  }

  findUserQueue(tokenHash: string): Promise<string | null> {
    return this.redis.get(this.keys.token(tokenHash));
  }
}
