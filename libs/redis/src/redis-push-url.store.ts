import { PushUrlSecrets, PushUrlStore } from '@push/domain';
import { KeySchema } from './key-schema';
import { FIND_OR_CREATE_PUSH_URL_LUA, REVOKE_PUSH_URL_LUA } from './lua.scripts';
import { RedisClient } from './redis-client.factory';
import { openValue, sealValue } from './sealed-value';

interface ScriptClient {
  pushFindOrCreateUrl(urls: string, domain: string, sealedCandidate: string, candidateDigest: string): Promise<string>;
  pushRevokeUrl(urls: string, digest: string): Promise<number>;
}

/**
 * Push URLs of a user queue in one hash: `d:<domain>` → the push URL id sealed, and
 * `p:<digest of the id>` → domain. No push URL id is stored in plain text: a publish or a revocation
 * finds its entry by the id's keyed digest, and only the listing opens the sealed ids again.
 */
export class RedisPushUrlStore implements PushUrlStore {
  private readonly scripts: ScriptClient;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySchema,
    private readonly secrets: PushUrlSecrets,
  ) {
    redis.defineCommand('pushFindOrCreateUrl', { numberOfKeys: 1, lua: FIND_OR_CREATE_PUSH_URL_LUA });
    redis.defineCommand('pushRevokeUrl', { numberOfKeys: 1, lua: REVOKE_PUSH_URL_LUA });
    this.scripts = redis as unknown as ScriptClient;
  }

  async findOrCreate(userQueueId: string, domain: string, candidateId: string): Promise<string> {
    const sealed = sealValue(this.secrets, candidateId);
    const live = await this.scripts.pushFindOrCreateUrl(this.keys.pushUrls(userQueueId), domain, sealed, this.secrets.digest(candidateId));
    if (live === sealed) return candidateId;
    const id = openValue(this.secrets, live);
    if (id === null) throw new Error(`the push URL of a domain of user queue ${userQueueId} is sealed under another secret`);
    return id;
  }

  async list(userQueueId: string): Promise<Record<string, string>> {
    const all = await this.redis.hgetall(this.keys.pushUrls(userQueueId));
    const byDomain: Record<string, string> = {};
    for (const [field, value] of Object.entries(all)) {
      if (!field.startsWith('d:')) continue;
      // one sealed under an earlier secret can no longer be published to: it is not listed
      const id = openValue(this.secrets, value);
      if (id !== null) byDomain[field.slice(2)] = id;
    }
    return byDomain;
  }

  async revoke(userQueueId: string, pushUrlId: string): Promise<boolean> {
    return (await this.scripts.pushRevokeUrl(this.keys.pushUrls(userQueueId), this.secrets.digest(pushUrlId))) === 1;
  }
}
