/** A notification as a website publishes it and a client receives it (the API keeps only these fields). */
export interface Notification {
  /** Required, non-empty. */
  title: string;
  body?: string;
  /** Absolute http: or https: URL to open when the notification is clicked. */
  actionUrl?: string;
  /** Groups messages of which a resuming client needs only the newest. */
  replaceId?: string;
}

/** Body of a read marker: the key of the message that was read. */
export interface ReadMarker {
  read: string;
}

/** What a stored message's body can be. */
export type MessageBody = Notification | ReadMarker;

/** The API's message format, the same over HTTP and WebSocket. */
export interface PushMessage<B extends MessageBody = MessageBody> {
  /** Unique, ordered id `<ms>-<seq>`. */
  key: string;
  /** Seconds since the epoch with microseconds, strictly increasing per user queue. */
  timestamp: string;
  /** The push URL it was published to (the user queue URL for a read marker). */
  queue: string;
  body: B;
}

/** True when the message is a read marker (`body.read`), not a notification. */
export function isReadMarker(message: PushMessage): message is PushMessage<ReadMarker> {
  return typeof (message.body as Partial<ReadMarker>).read === 'string';
}

const KEY = /^(\d+)-(\d+)$/;

/** True for a message key `<ms>-<seq>`. */
export function isMessageKey(text: string): boolean {
  return KEY.test(text);
}

/** Orders two message keys; both must match `<ms>-<seq>`. */
export function compareKeys(a: string, b: string): number {
  const ma = KEY.exec(a);
  const mb = KEY.exec(b);
  if (!ma || !mb) throw new Error(`not message keys: ${a}, ${b}`);
  // ms values exceed 2^53 only in the year 287,000: Number is exact; seq is compared the same way
  const ms = Number(ma[1]) - Number(mb[1]);
  return ms !== 0 ? ms : Number(ma[2]) - Number(mb[2]);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';

/** Checks a decoded JSON value against the message format; returns it typed, or null when it is not one. */
export function parseMessage(value: unknown): PushMessage | null {
  if (!isObject(value)) return null;
  const { key, timestamp, queue, body } = value;
  if (typeof key !== 'string' || !isMessageKey(key)) return null;
  if (typeof timestamp !== 'string' || typeof queue !== 'string' || !isObject(body)) return null;
  if (typeof body.read === 'string') return { key, timestamp, queue, body: { read: body.read } };
  if (typeof body.title !== 'string') return null;
  if (!optionalString(body.body) || !optionalString(body.actionUrl) || !optionalString(body.replaceId)) return null;
  return { key, timestamp, queue, body: body as unknown as Notification };
}
