import { KeyParts } from '@push/domain';

/** Every frame the publish script writes starts with this (libs/redis lua.scripts.ts builds it by concatenation). */
const PREFIX = Buffer.from('{"key":"');
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const DASH = 0x2d;
const QUOTE = 0x22;
/** Longest digit run of a key part that still fits a safe integer. */
const MAX_DIGITS = 15;

/**
 * The key of a ready-made message frame, read from its prefix `{"key":"<ms>-<seq>"` without parsing
 * the JSON (the delivery path touches every message once per node). Null when the frame does not start
 * that way.
 */
export function frameKey(frame: Buffer): KeyParts | null {
  if (frame.length < PREFIX.length + 4 || frame.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) !== 0) return null;
  let i = PREFIX.length;
  let ms = 0;
  let digits = 0;
  for (; i < frame.length && frame[i] >= DIGIT_0 && frame[i] <= DIGIT_9; i++, digits++) ms = ms * 10 + (frame[i] - DIGIT_0);
  if (digits === 0 || digits > MAX_DIGITS || frame[i] !== DASH) return null;
  i++;
  let seq = 0;
  digits = 0;
  for (; i < frame.length && frame[i] >= DIGIT_0 && frame[i] <= DIGIT_9; i++, digits++) seq = seq * 10 + (frame[i] - DIGIT_0);
  if (digits === 0 || digits > MAX_DIGITS || frame[i] !== QUOTE) return null;
  return { ms, seq };
}
