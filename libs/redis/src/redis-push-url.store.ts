import { PushUrlStore } from '@push/domain';
import { KeySchema } from './key-schema';
import { FIND_OR_CREATE_PUSH_URL_LUA, REVOKE_PUSH_URL_LUA } from './lua.scripts';
import { RedisClient } from './redis-client.factory';

interface ScriptClient {
  pushFindOrCreateUrl(urls: string, domain: string, candidate: string): Promise<string>;
  pushRevokeUrl(urls: string, id: string): Promise<number>;
}

/** Push URLs of a user queue in one hash: `d:<domain>` → id and `p:<id>` → domain. */
export class RedisPushUrlStore implements PushUrlStore {
  private readonly scripts: ScriptClient;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySchema,
  ) {
    redis.defineCommand('pushFindOrCreateUrl', { numberOfKeys: 1, lua: FIND_OR_CREATE_PUSH_URL_LUA });
    redis.defineCommand('pushRevokeUrl', { numberOfKeys: 1, lua: REVOKE_PUSH_URL_LUA });
    this.scripts = redis as unknown as ScriptClient;
  }

  findOrCreate(userQueueId: string, domain: string, candidateId: string): Promise<string> {
    return this.scripts.pushFindOrCreateUrl(this.keys.pushUrls(userQueueId), domain, candidateId);
  }

  async list(userQueueId: string): Promise<Record<string, string>> {
    const all = await this.redis.hgetall(this.keys.pushUrls(userQueueId));
    const byDomain: Record<string, string> = {};
    for (const [field, value] of Object.entries(all)) {
      if (field.startsWith('d:')) byDomain[field.slice(2)] = value;
    }
    return byDomain;
  }

  async revoke(userQueueId: string, pushUrlId: string): Promise<boolean> {
    return (await this.scripts.pushRevokeUrl(this.keys.pushUrls(userQueueId), pushUrlId)) === 1;
  }
}
