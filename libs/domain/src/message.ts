/** The wire format of a message, identical over HTTP and WebSocket (spec: "Message format"). */

/** A notification as a website publishes it; only these fields are kept. */
export interface Notification {
  readonly title: string;
  readonly body?: string;
  readonly actionUrl?: string;
  readonly replaceId?: string;
}

/** The body of a read marker: the key of the message that was read. */
export interface ReadMarker {
  readonly read: string;
}

/** What is stored in a user queue and delivered to every connection of its token. */
export interface Message {
  /** Stream entry id `<ms>-<seq>`; unique and increasing within a user queue. */
  readonly key: string;
  /** Seconds since the epoch with microseconds, e.g. "1764260000.123456"; derived from `key`. */
  readonly timestamp: string;
  /** The push URL the message came through, or the user queue URL for a read marker. */
  readonly queue: string;
  readonly body: Notification | ReadMarker;
}

/** True when a message body is a read marker rather than a notification. */
export function isReadMarker(body: Notification | ReadMarker): body is ReadMarker {
  return (body as ReadMarker).read !== undefined;
}
