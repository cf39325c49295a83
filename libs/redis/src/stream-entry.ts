import { Message, Notification, parseKey, PushUrlSecrets, ReadMarker, ReplayedMessage, timestampFromKey } from '@push/domain';
import { openValue } from './sealed-value';

/** A raw stream entry as ioredis returns it: id and flat field list. */
export type RawEntry = [id: string, fields: string[]];

/** The wire frame of a stored entry, built by concatenation exactly as the publish script builds it. */
export function frameOf(key: string, timestamp: string, queue: string, bodyJson: string): string {
  return frameOfJson(key, timestamp, JSON.stringify(queue), bodyJson);
}

/** frameOf with the queue already JSON text (the publish path has it, as sent to the script). */
export function frameOfJson(key: string, timestamp: string, queueJson: string, bodyJson: string): string {
  return `{"key":"${key}","timestamp":"${timestamp}","queue":${queueJson},"body":${bodyJson}}`;
}

interface EntryFields {
  queue: string;
  bodyJson: string;
  replaceId?: string;
}

/** The fields of an entry; `q` opened (a push URL is stored sealed; one sealed under another secret reads as ''). */
function fieldsOf(fields: readonly string[], secrets: PushUrlSecrets): EntryFields {
  let queue = '';
  let bodyJson = '{}';
  let replaceId: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const v = fields[i + 1];
    if (fields[i] === 'q') queue = openValue(secrets, v) ?? '';
    else if (fields[i] === 'b') bodyJson = v;
    else if (fields[i] === 'r') replaceId = v;
  }
  return { queue, bodyJson, replaceId };
}

/** The timestamp of a stream id (`<ms>-<seq>`, seq < 1000 as every script stamps it). */
export function timestampOf(id: string): string {
  const parts = parseKey(id);
  if (!parts) throw new Error(`stream id "${id}" is not <ms>-<seq>`);
  return timestampFromKey(parts);
}

/** A stream entry as the HTTP API returns it. */
export function messageOf([id, fields]: RawEntry, secrets: PushUrlSecrets): Message {
  const f = fieldsOf(fields, secrets);
  return { key: id, timestamp: timestampOf(id), queue: f.queue, body: JSON.parse(f.bodyJson) as Notification | ReadMarker };
}

/** A stream entry as a replay sends it: the frame plus what the replaceId rule needs. */
export function replayedOf([id, fields]: RawEntry, secrets: PushUrlSecrets): ReplayedMessage {
  const f = fieldsOf(fields, secrets);
  const timestamp = timestampOf(id);
  return { key: id, timestamp, frame: frameOf(id, timestamp, f.queue, f.bodyJson), queue: f.queue, ...(f.replaceId !== undefined ? { replaceId: f.replaceId } : {}) };
}
