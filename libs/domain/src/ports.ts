import { Message } from './message';
import { Since } from './stream-key';

/** Tokens: hash of a token → its user queue. Tokens themselves are never stored. */
export interface ClientStore {
  /** Records a new client; the hash is new (256 random bits). */
  createClient(tokenHash: string, userQueueId: string): Promise<void>;
  /** The user queue of a token hash, or null when unknown. */
  findUserQueue(tokenHash: string): Promise<string | null>;
}

/** Push URLs of a user queue: at most one live push URL per domain. */
export interface PushUrlStore {
  /** The live push URL id for (user queue, domain); `candidateId` becomes it when there is none. */
  findOrCreate(userQueueId: string, domain: string, candidateId: string): Promise<string>;
  /** Live push URL ids by domain. */
  list(userQueueId: string): Promise<Record<string, string>>;
  /** Revokes a push URL; false when it was not live. */
  revoke(userQueueId: string, pushUrlId: string): Promise<boolean>;
}

/** A message as stored, with its wire frame serialised once. */
export interface StoredMessage {
  readonly key: string;
  readonly timestamp: string;
  /** The message's JSON text exactly as it goes over the wire. */
  readonly frame: string;
}

/** A stored entry as a replay reads it. */
export interface ReplayedMessage extends StoredMessage {
  readonly queue: string;
  readonly replaceId?: string;
}

/** Result of reading a user queue after a `since` for a resuming connection. */
export interface Replay {
  readonly messages: readonly ReplayedMessage[];
  /** False when entries after `since` were trimmed, or `since` is unknown or in the future. */
  readonly recovered: boolean;
}

/** User queues: one ordered, trimmed stream of messages and read markers each. */
export interface MessageStore {
  /**
   * Appends a notification through a live push URL, trims and routes it, in one step; null when the
   * push URL is not live. Throws a RateLimitedError, storing nothing, when the push URL's publish limit is reached.
   */
  publish(userQueueId: string, pushUrlId: string, pushUrl: string, notificationJson: string, replaceId?: string): Promise<StoredMessage | null>;
  /** Appends and routes a read marker for `key`; null when the queue holds no notification with that key. */
  markRead(userQueueId: string, key: string, userQueueUrl: string): Promise<StoredMessage | null>;
  /** Without since: the newest `limit` messages; with it: the first `limit` after it. Oldest first. */
  history(userQueueId: string, since: Since | null, limit: number): Promise<Message[]>;
  /** Everything stored after `since` (up to retention), for a resume. */
  replay(userQueueId: string, since: Since): Promise<Replay>;
  /** The newest key of the user queue, or null when it is empty. */
  lastKey(userQueueId: string): Promise<string | null>;
  /** Messages after `key` (exclusive), oldest first, at most `limit`. */
  readAfter(userQueueId: string, key: string, limit: number): Promise<ReplayedMessage[]>;
  setLastSeen(userQueueId: string, timestamp: string): Promise<void>;
  getLastSeen(userQueueId: string): Promise<string | null>;
}

/** A gateway node as registered for GET /nodes/. */
export interface NodeInfo {
  readonly nodeId: string;
  /** `host:port` clients connect to. */
  readonly address: string;
  readonly connections: number;
  /** Epoch ms of the node's last heartbeat. */
  readonly heartbeatAtMs: number;
}

/** Registry of gateway nodes: each registers and heartbeats; the monitor reaps the dead. */
export interface NodeRegistry {
  /** Creates or refreshes a node's record. */
  heartbeat(node: NodeInfo): Promise<void>;
  /** Removes a node's record; true when it was there. */
  remove(nodeId: string): Promise<boolean>;
  /** Every registered node, live or not. */
  list(): Promise<NodeInfo[]>;
}

/** Source of the current time, injected so that rules are testable. */
export interface Clock {
  nowMs(): number;
}

/** The real clock. */
export const systemClock: Clock = { nowMs: () => Date.now() };
