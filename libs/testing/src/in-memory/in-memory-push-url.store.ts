import { PushUrlStore } from '@push/domain';

/** The live push URLs of one user queue, both ways round, as the Redis hash keeps `d:<domain>` and `p:<digest of the id>`. */
interface UserQueueUrls {
  readonly idByDomain: Map<string, string>;
  readonly domainById: Map<string, string>;
}

/** PushUrlStore in Maps, with RedisPushUrlStore's rules: one live id per (user queue, domain); a revoked id stays dead. */
export class InMemoryPushUrlStore implements PushUrlStore {
  private readonly byUserQueue = new Map<string, UserQueueUrls>();

  async findOrCreate(userQueueId: string, domain: string, candidateId: string): Promise<string> {
    const urls = this.urlsOf(userQueueId, true);
    const existing = urls.idByDomain.get(domain);
    if (existing !== undefined) return existing;
    urls.idByDomain.set(domain, candidateId);
    urls.domainById.set(candidateId, domain);
    return candidateId;
  }

  async list(userQueueId: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.urlsOf(userQueueId, false)?.idByDomain ?? []);
  }

  async revoke(userQueueId: string, pushUrlId: string): Promise<boolean> {
    const urls = this.urlsOf(userQueueId, false);
    const domain = urls?.domainById.get(pushUrlId);
    if (urls === undefined || domain === undefined) return false;
    urls.domainById.delete(pushUrlId);
    urls.idByDomain.delete(domain);
    return true;
  }

  /** True when `pushUrlId` is a live push URL of `userQueueId` (what the publish script checks first). */
  isLive(userQueueId: string, pushUrlId: string): boolean {
    return this.urlsOf(userQueueId, false)?.domainById.has(pushUrlId) ?? false;
  }

  private urlsOf(userQueueId: string, create: true): UserQueueUrls;
  private urlsOf(userQueueId: string, create: false): UserQueueUrls | undefined;
  private urlsOf(userQueueId: string, create: boolean): UserQueueUrls | undefined {
    let urls = this.byUserQueue.get(userQueueId);
    if (urls === undefined && create) {
      urls = { idByDomain: new Map(), domainById: new Map() };
      this.byUserQueue.set(userQueueId, urls);
    }
    return urls;
  }
}
