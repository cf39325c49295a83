"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SEQ_PER_MS = void 0;
exports.parseKey = parseKey;
exports.compareKeys = compareKeys;
exports.keyFromMicros = keyFromMicros;
exports.timestampFromKey = timestampFromKey;
exports.formatMicros = formatMicros;
exports.parseTimestamp = parseTimestamp;
exports.parseSince = parseSince;
exports.rangeStart = rangeStart;
const errors_1 = require("./errors");
/**
 * Message keys and timestamps are one number seen two ways. A message's time in microseconds `us`
 * gives its key `<floor(us / 1000)>-<us % 1000>` and its timestamp `<floor(us / 1e6)>.<us % 1e6>`,
 * so timestamps are unique and increasing exactly when keys are, and a timestamp can be looked up
 * in the stream without an index.
 */
/** Microseconds per stream-id millisecond step: the sequence part of a key we write is below this. */
exports.SEQ_PER_MS = 1000;
const US_PER_S = 1_000_000;
const KEY_RE = /^(\d{1,15})-(\d{1,15})$/;
const TIMESTAMP_RE = /^(\d{1,12})(?:\.(\d{1,9}))?$/;
/** Parses `<ms>-<seq>`; null when the string is not a stream key. */
function parseKey(key) {
    const m = KEY_RE.exec(key);
    if (!m)
        return null;
    const ms = Number(m[1]);
    const seq = Number(m[2]);
    if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq))
        return null;
    return { ms, seq };
}
/** Orders two keys as the stream does: negative, zero or positive. */
function compareKeys(a, b) {
    return a.ms !== b.ms ? a.ms - b.ms : a.seq - b.seq;
}
/** The key written for a message stamped at `us` microseconds. */
function keyFromMicros(us) {
    return `${Math.floor(us / exports.SEQ_PER_MS)}-${us % exports.SEQ_PER_MS}`;
}
/** The timestamp string of a key written by Push ("1764260000.123456"). */
function timestampFromKey(key) {
    const us = key.ms * exports.SEQ_PER_MS + Math.min(key.seq, exports.SEQ_PER_MS - 1);
    return formatMicros(us);
}
/** Formats microseconds since the epoch as the wire timestamp. */
function formatMicros(us) {
    return `${Math.floor(us / US_PER_S)}.${String(us % US_PER_S).padStart(6, '0')}`;
}
/** Parses a wire timestamp (decimal seconds) to microseconds, rounding up below a microsecond. */
function parseTimestamp(value) {
    const m = TIMESTAMP_RE.exec(value);
    if (!m)
        return null;
    const frac = m[2] ?? '';
    let us = Number(m[1]) * US_PER_S + Number(frac.slice(0, 6).padEnd(6, '0'));
    if (/[1-9]/.test(frac.slice(6)))
        us += 1;
    return Number.isSafeInteger(us) ? us : null;
}
/** Parses the `since` parameter; a key is `<ms>-<seq>`, anything else must be a decimal timestamp. */
function parseSince(value, field = 'since') {
    const key = parseKey(value);
    if (key)
        return { kind: 'key', key, raw: value };
    const micros = parseTimestamp(value);
    if (micros === null)
        throw (0, errors_1.invalid)(field, 'must be a message key (<ms>-<seq>) or a timestamp in seconds');
    return { kind: 'timestamp', micros, raw: value };
}
/** The stream range start for a `since`: "(key" for exclusive, "ms-seq" for an inclusive time. */
function rangeStart(since) {
    return since.kind === 'key' ? `(${since.key.ms}-${since.key.seq}` : keyFromMicros(since.micros);
}
//# sourceMappingURL=stream-key.js.map