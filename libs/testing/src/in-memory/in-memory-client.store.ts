import { ClientStore } from '@push/domain';

/** ClientStore in a Map, with RedisClientStore's rules: token hash → user queue id, never overwritten. */
export class InMemoryClientStore implements ClientStore {
  private readonly userQueueByTokenHash = new Map<string, string>();

  async createClient(tokenHash: string, userQueueId: string): Promise<void> {
    // the Redis adapter writes with SET NX and refuses a collision the same way
    if (this.userQueueByTokenHash.has(tokenHash)) throw new Error('token hash collision: refusing to overwrite a client');
    this.userQueueByTokenHash.set(tokenHash, userQueueId);
  }

  async findUserQueue(tokenHash: string): Promise<string | null> {
    return this.userQueueByTokenHash.get(tokenHash) ?? null;
  }

  /** Every stored token hash (tests check that no plaintext token is kept). */
  tokenHashes(): string[] {
    return [...this.userQueueByTokenHash.keys()];
  }
}
