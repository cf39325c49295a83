import { invalid } from './errors';

/**
 * Message keys and timestamps are one number seen two ways. A message's time in microseconds `us`
 * gives its key `<floor(us / 1000)>-<us % 1000>` and its timestamp `<floor(us / 1e6)>.<us % 1e6>`,
 * so timestamps are unique and increasing exactly when keys are, and a timestamp can be looked up
 * in the stream without an index.
 */

/** Microseconds per stream-id millisecond step: the sequence part of a key we write is below this. */
export const SEQ_PER_MS = 1000;
const US_PER_S = 1_000_000;

/** A parsed stream entry id. */
export interface KeyParts {
  readonly ms: number;
  readonly seq: number;
}

const KEY_RE = /^(\d{1,15})-(\d{1,15})$/;
const TIMESTAMP_RE = /^(\d{1,12})(?:\.(\d{1,9}))?$/;

/** Parses `<ms>-<seq>`; null when the string is not a stream key. */
export function parseKey(key: string): KeyParts | null {
  const m = KEY_RE.exec(key);
  if (!m) return null;
  const ms = Number(m[1]);
  const seq = Number(m[2]);
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq)) return null;
  return { ms, seq };
}

/** Orders two keys as the stream does: negative, zero or positive. */
export function compareKeys(a: KeyParts, b: KeyParts): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.seq - b.seq;
}

/** The key written for a message stamped at `us` microseconds. */
export function keyFromMicros(us: number): string {
  return `${Math.floor(us / SEQ_PER_MS)}-${us % SEQ_PER_MS}`;
}

/** The timestamp string of a key written by Push ("1764260000.123456"). */
export function timestampFromKey(key: KeyParts): string {
  const us = key.ms * SEQ_PER_MS + Math.min(key.seq, SEQ_PER_MS - 1);
  return formatMicros(us);
}

/** Formats microseconds since the epoch as the wire timestamp. */
export function formatMicros(us: number): string {
  return `${Math.floor(us / US_PER_S)}.${String(us % US_PER_S).padStart(6, '0')}`;
}

/** Parses a wire timestamp (decimal seconds) to microseconds, rounding up below a microsecond. */
export function parseTimestamp(value: string): number | null {
  const m = TIMESTAMP_RE.exec(value);
  if (!m) return null;
  const frac = m[2] ?? '';
  let us = Number(m[1]) * US_PER_S + Number(frac.slice(0, 6).padEnd(6, '0'));
  if (/[1-9]/.test(frac.slice(6))) us += 1;
  return Number.isSafeInteger(us) ? us : null;
}

/** Where a read of a user queue starts: after a key (exclusive) or at a time (inclusive). */
export type Since =
  | { readonly kind: 'key'; readonly key: KeyParts; readonly raw: string }
  | { readonly kind: 'timestamp'; readonly micros: number; readonly raw: string };

/** Parses the `since` parameter; a key is `<ms>-<seq>`, anything else must be a decimal timestamp. */
export function parseSince(value: string, field = 'since'): Since {
  const key = parseKey(value);
  if (key) return { kind: 'key', key, raw: value };
  const micros = parseTimestamp(value);
  if (micros === null) throw invalid(field, 'must be a message key (<ms>-<seq>) or a timestamp in seconds');
  return { kind: 'timestamp', micros, raw: value };
}

/** The stream range start for a `since`: "(key" for exclusive, "ms-seq" for an inclusive time. */
export function rangeStart(since: Since): string {
  return since.kind === 'key' ? `(${since.key.ms}-${since.key.seq}` : keyFromMicros(since.micros);
}
