
/**
 * The one place that spells Redis keys and channels. Every key starts with KEY_PREFIX. All keys of
 * one user queue share the hash tag `{u:<id>}` so that one script can touch them on Redis Cluster;
 * look-up keys (token hash → user queue) are single keys.
 */
export class KeySchema {
  constructor(readonly prefix: string) {}

  /** Hash tag shared by every key of a user queue. */
  private tag(userQueueId: string): string {
    return `${this.prefix}{u:${userQueueId}}`;
  }

  /** Stream of a user queue: messages and read markers. Fields: q (push URL sealed, or a read marker's user queue URL), b (body JSON), r (replaceId). */
  stream(userQueueId: string): string {
    return `${this.tag(userQueueId)}:s`;
  }

  /** Hash of a user queue's live push URLs: `d:<domain>` → push URL id sealed and `p:<keyed digest of the id>` → domain. */
  pushUrls(userQueueId: string): string {
    return `${this.tag(userQueueId)}:urls`;
  }

  /**
   * String: the publish token bucket of one push URL (`<tokens> <atMs>`, expiring once full again).
   * Named by the push URL id's keyed digest (PushUrlSecrets.digest), so key names never reveal a push URL.
   */
  publishBucket(userQueueId: string, pushUrlDigest: string): string {
    return `${this.tag(userQueueId)}:pb:${pushUrlDigest}`;
  }

  /** String: the client's last_seen timestamp. */
  lastSeen(userQueueId: string): string {
    return `${this.tag(userQueueId)}:seen`;
  }

  /** Pub/sub channel of a user queue: every appended message's frame is published here. */
  channel(userQueueId: string): string {
    return `${this.tag(userQueueId)}:ch`;
  }

  /** The user queue id inside a channel name, or null for another channel. */
  userQueueOfChannel(channel: string): string | null {
    const head = `${this.prefix}{u:`;
    if (!channel.startsWith(head) || !channel.endsWith('}:ch')) return null;
    return channel.slice(head.length, -'}:ch'.length);
  }

  /** String: token hash → user queue id. */
  token(tokenHash: string): string {
    return `${this.prefix}tok:${tokenHash}`;
  }

  /** Hash: node id → JSON NodeInfo of every registered gateway node. */
  nodes(): string {
    return `${this.prefix}nodes`;
  }

  /** String: the generated push URL secret, when PUSH_URL_SECRET is not set. */
  pushUrlSecret(): string {
    return `${this.prefix}secret:push-url`;
  }

  /**
   * Prefix BullMQ uses for its own keys (`<prefix>:<queue>:<suffix>`). Its scripts touch several keys of a
   * queue at once, so on Redis Cluster they must share a slot: the hash tag `{bull}` puts them all in one.
   */
  bullPrefix(): string {
    return `${this.prefix}{bull}`;
  }

  /** Glob matching every user queue stream (for housekeeping SCANs). */
  streamPattern(): string {
    return `${this.prefix}{u:*}:s`;
  }

  /** CLIENT SETNAME of a gateway node's Redis connections, so the reaper can find them. */
  nodeClientName(nodeId: string): string {
    return `${this.prefix.replace(/[^A-Za-z0-9_-]/g, '_')}gw_${nodeId}`;
  }
}
