/**
 * Lua scripts: each runs atomically in one round trip. An append (appendLua) stamps a message with the
 * server's clock (microseconds, strictly increasing per user queue), derives its key from that stamp
 * (`<ms>-<us % 1000>`), appends, trims by length, and publishes the wire frame on the user queue's
 * channel. Trimming by age is the monitor's (RetentionTrimmerService, at most a minute behind): an
 * `XTRIM MINID` in every append cost Redis about 2.7 µs of its ~20 µs per publish (bench/README.md).
 */

/**
 * The rare branch of an append (appendLua): Redis refused the stamp `now` because the stream's last id
 * is not before it (a message in the same microsecond, the clock went back, or trimming emptied a
 * stream that is ahead). append_after stamps just after that id, appends, publishes the frame and
 * returns the key. Defined only inside that branch, so the common path creates no closures.
 */
const APPEND_AFTER = `
local function stamp_after(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms) * 1000 + math.min(tonumber(seq), 999) + 1
end

local function last_generated(stream)
  local info = redis.call('XINFO', 'STREAM', stream)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return info[i + 1] end
  end
  return '0-0'
end

local function fields_of(queue, body_json, replace_id)
  if replace_id == '' then return {'q', queue, 'b', body_json} end
  return {'q', queue, 'b', body_json, 'r', replace_id}
end

local function append_after(stream, channel, maxlen, fields, queue_json, body_json, now)
  local after = stamp_after(last_generated(stream))
  if now < after then now = after end
  local id = string.format('%d-%d', math.floor(now / 1000), now % 1000)
  redis.call('XADD', stream, 'MAXLEN', maxlen, id, unpack(fields))
  local ts = string.format('%d.%06d', math.floor(now / 1000000), now % 1000000)
  redis.call('PUBLISH', channel, '{"key":"' .. id .. '","timestamp":"' .. ts .. '","queue":' .. queue_json .. ',"body":' .. body_json .. '}')
  return id
end

-- true for the one XADD error that is ours to fix; any other (OOM, READONLY, WRONGTYPE) is the caller's
local function refused_id(err)
  return string.find(err, 'equal or smaller', 1, true) ~= nil
end
`;

/** What an append stores and publishes, each a Lua expression. */
interface AppendParts {
  readonly stream: string;
  readonly channel: string;
  /** The length cap (a quoted constant or an argument). */
  readonly maxLen: string;
  /** `q`: the queue as stored. */
  readonly queue: string;
  /** The queue as JSON, for the frame. */
  readonly queueJson: string;
  readonly bodyJson: string;
  /** `r` when not '' ; null when the script never has one. */
  readonly replaceId: string | null;
  /**
   * Lua expressions of the key and the timestamp of a stamp taken earlier in the script (STAMP_LUA and
   * its `t`, `us`: STAMP_KEY and STAMP_TIMESTAMP, or locals holding them); null: the append takes its own.
   */
  readonly stamp?: { readonly key: string; readonly timestamp: string } | null;
}

/** TIME as `t` and its microseconds padded to six digits as `us` (see appendLua). */
const STAMP_LUA = `local t = redis.call('TIME')
local us = t[2]
if #us < 6 then us = string.rep('0', 6 - #us) .. us end
`;
/** Lua expressions, after STAMP_LUA: the stamp's key `<ms>-<us % 1000>` and its timestamp `<s>.<six digits>`. */
const STAMP_KEY = `t[1] .. string.sub(us, 1, 3) .. '-' .. string.sub(us, 4)`;
const STAMP_TIMESTAMP = `t[1] .. '.' .. us`;
/** Lua expression, after STAMP_LUA: the stamp in milliseconds as a number (for the publish limit). */
const STAMP_NOW_MS = `tonumber(t[1]) * 1000 + tonumber(us) / 1000`;

/**
 * The tail of a script that appends and publishes, ending in `return <key>`. It stamps the message
 * with the server's clock without number arithmetic (in Redis's Lua, turning numbers into text cost
 * more than the XADD itself: bench/README.md, "A leaner publish script"): TIME's microseconds, padded
 * to six digits, give the key `<s><first three>-<last three>` (= `<ms>-<us % 1000>`; XADD answers its
 * canonical form) and the timestamp `<s>.<six digits>` (timestampOf of the key). Then it trims by
 * length and publishes the wire frame; only a refused id takes append_after().
 */
function appendLua(p: AppendParts): string {
  const stamp = p.stamp ?? null;
  const key = stamp?.key ?? STAMP_KEY;
  const timestamp = stamp?.timestamp ?? STAMP_TIMESTAMP;
  const xadd = (fields: string) => `redis.pcall('XADD', ${p.stream}, 'MAXLEN', ${p.maxLen}, ${key}, ${fields})`;
  const fields = `'q', ${p.queue}, 'b', ${p.bodyJson}`;
  const add =
    p.replaceId === null
      ? `id = ${xadd(fields)}`
      : `if ${p.replaceId} == '' then id = ${xadd(fields)}
else id = ${xadd(`${fields}, 'r', ${p.replaceId}`)} end`;
  return `${stamp === null ? STAMP_LUA : ''}local id
${add}
if type(id) == 'table' then
${APPEND_AFTER}
  if not refused_id(id.err) then return redis.error_reply(id.err) end
  local fields = fields_of(${p.queue}, ${p.bodyJson}, ${p.replaceId ?? "''"})
  return append_after(${p.stream}, ${p.channel}, ${p.maxLen}, fields, ${p.queueJson}, ${p.bodyJson}, tonumber(t[1]) * 1000000 + tonumber(us))
end
redis.call('PUBLISH', ${p.channel}, '{"key":"' .. id .. '","timestamp":"' .. ${timestamp} .. '","queue":' .. ${p.queueJson} .. ',"body":' .. ${p.bodyJson} .. '}')
return id
`;
}

/**
 * The per push URL publish limit: a token bucket (libs/domain rate-limit.rules.ts `takeToken`, the
 * same rule in Lua) kept as one string `<tokens> <atMs>` that expires once it would be full again.
 * `now_ms` is the script's stamp (STAMP_NOW_MS), so a publish asks Redis for the time once.
 * Returns 0 when a token was taken, else the whole seconds (>= 1) until one will be; a refused take
 * writes nothing. burst or rate 0 = no limit.
 */
const TAKE_PUBLISH_TOKEN = `
local function take_publish_token(bucket, burst, rate, now_ms)
  if burst <= 0 or rate <= 0 then return 0 end
  local tokens, at_ms = burst, now_ms
  local saved = redis.call('GET', bucket)
  if saved then
    local saved_tokens, saved_at = string.match(saved, '^(%S+) (%S+)$')
    tokens, at_ms = tonumber(saved_tokens), tonumber(saved_at)
    if now_ms > at_ms then
      tokens = math.min(burst, tokens + (now_ms - at_ms) * rate / 1000)
      at_ms = now_ms
    end
  end
  if tokens < 1 then return math.max(1, math.ceil((1 - tokens) / rate)) end
  tokens = tokens - 1
  redis.call('SET', bucket, string.format('%.6f %.3f', tokens, at_ms), 'PX', math.ceil((burst - tokens) * 1000 / rate) + 1000)
  return 0
end
`;

/** A whole number written into a script's text; anything else would change the script's meaning. */
function luaInteger(name: string, value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a whole number >= 0, got ${value}`);
  return String(value);
}

/** The publish script's fixed settings: written into its text, so that a publish sends only what varies. */
export interface PublishScriptSettings {
  readonly maxLen: number;
  /** The per push URL token bucket; null = no limit (the script then has no bucket key and no bucket code). */
  readonly limit: { readonly burst: number; readonly ratePerS: number } | null;
}

/** KEYS of one publish: stream, pushUrls hash, channel, and with a limit the push URL's publish bucket. */
export function publishKeyCount(limit: PublishScriptSettings['limit']): number {
  return limit === null ? 3 : 4;
}

/** ARGV of one publish (publishLua). */
export const PUBLISH_ARG_COUNT = 5;

/**
 * One publish, its KEYS from KEYS[k + 1] and its ARGV from ARGV[a + 1] on (k = a = 0 for a script of
 * one publish): the live check, the limit, then the append, each ending in `return`.
 */
function publishBody({ maxLen, limit }: PublishScriptSettings, k: string, a: string, stamp: AppendParts['stamp'] = null): string {
  const key = (i: number): string => `KEYS[${k}${i}]`;
  const arg = (i: number): string => `ARGV[${a}${i}]`;
  const append = appendLua({
    stream: key(1),
    channel: key(3),
    maxLen: `'${luaInteger('maxLen', maxLen)}'`,
    queue: arg(2),
    queueJson: arg(3),
    bodyJson: arg(4),
    replaceId: arg(5),
    stamp,
  });
  const live = `if redis.call('HEXISTS', ${key(2)}, 'p:' .. ${arg(1)}) == 0 then return false end
`;
  if (limit === null) return `${live}${append}`;
  return `${live}-- publish limit per push URL (after the live check: a dead push URL has no bucket)
local wait_s = take_publish_token(${key(4)}, ${luaInteger('burst', limit.burst)}, ${luaInteger('ratePerS', limit.ratePerS)}, ${STAMP_NOW_MS})
if wait_s > 0 then return wait_s end
${append}`;
}

/**
 * Publish through a push URL. KEYS: stream, pushUrls hash, channel, and with a limit the push URL's
 * publish bucket. ARGV: digest of the push URL id, push URL as stored (sealed), push URL as JSON
 * (plain, for the frame), notification JSON, replaceId ('' for none). The length cap and the limit are
 * constants of the text (one script per setting; a process has one).
 * Returns the stored message's key (its timestamp is timestampFromKey of it; the frame it published is
 * frameOfJson of those and the push URL and notification JSON sent); false when the push URL is not
 * live; a number (seconds to wait) when its publish limit is reached, having stored and published nothing.
 */
export function publishLua(settings: PublishScriptSettings): string {
  if (settings.limit === null) return publishBody(settings, '', '');
  // the limit reads the clock too: the stamp is taken first and serves both
  return `${TAKE_PUBLISH_TOKEN}${STAMP_LUA}${publishBody(settings, '', '', { key: STAMP_KEY, timestamp: STAMP_TIMESTAMP })}`;
}

/**
 * Several publishes in one call: publishLua's KEYS of each publish one after the other, then their
 * ARGV likewise (publishKeyCount and PUBLISH_ARG_COUNT per publish). Each is what a call of publishLua
 * would be, in order, all with the one stamp of the call (a second publish to the same stream in it is
 * refused that stamp and takes append_after's, just after the first); a failing one (an error reply,
 * or an error of Redis inside it) is answered as that error and the others go on. Returns one answer per publish, as
 * publishLua answers (false reads as nil). Redis charges a fixed cost per script call and per call's
 * arguments: sharing one call between the publishes of a turn of the api's event loop saves Redis
 * about a fifth of a publish at 3-4 per call (bench/README.md, "Publishes of a turn in one script call").
 */
export function publishBatchLua(settings: PublishScriptSettings): string {
  const n = publishKeyCount(settings.limit);
  return `${settings.limit === null ? '' : TAKE_PUBLISH_TOKEN}${STAMP_LUA}local stamp_key = ${STAMP_KEY}
local stamp_ts = ${STAMP_TIMESTAMP}
local function publish_one(k, a)
${publishBody(settings, 'k + ', 'a + ', { key: 'stamp_key', timestamp: 'stamp_ts' })}end
local out = {}
for i = 1, #ARGV / ${PUBLISH_ARG_COUNT} do
  local ok, r = pcall(publish_one, i * ${n} - ${n}, i * ${PUBLISH_ARG_COUNT} - ${PUBLISH_ARG_COUNT})
  if ok then out[i] = r
  elseif type(r) == 'table' and r.err then out[i] = redis.error_reply(r.err)
  else out[i] = redis.error_reply('ERR ' .. tostring(r)) end
end
return out
`;
}

/**
 * Append a read marker. KEYS: stream, channel. ARGV: key read, maxlen, user queue URL,
 * user queue URL as JSON, marker body JSON. Returns the marker's key (timestamp and frame as for a
 * publish), or false when the stream holds no notification with that key.
 */
export const MARK_READ_LUA = `local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if not found[1] then return false end
local entry = found[1][2]
for i = 1, #entry, 2 do
  if entry[i] == 'b' and string.sub(entry[i + 1], 1, 8) == '{"read":' then return false end
end
${appendLua({ stream: 'KEYS[1]', channel: 'KEYS[2]', maxLen: 'ARGV[2]', queue: 'ARGV[3]', queueJson: 'ARGV[4]', bodyJson: 'ARGV[5]', replaceId: null })}`;

/**
 * The live push URL for a domain, created from the candidate when there is none.
 * KEYS: pushUrls hash. ARGV: domain, candidate id sealed, digest of the candidate id.
 * Returns the live id as stored (sealed): the candidate's sealing when it was taken.
 */
export const FIND_OR_CREATE_PUSH_URL_LUA = `
local existing = redis.call('HGET', KEYS[1], 'd:' .. ARGV[1])
if existing then return existing end
redis.call('HSET', KEYS[1], 'd:' .. ARGV[1], ARGV[2], 'p:' .. ARGV[3], ARGV[1])
return ARGV[2]
`;

/** Revoke a push URL. KEYS: pushUrls hash. ARGV: digest of the id. Returns 1 when it was live. */
export const REVOKE_PUSH_URL_LUA = `
local domain = redis.call('HGET', KEYS[1], 'p:' .. ARGV[1])
if not domain then return 0 end
redis.call('HDEL', KEYS[1], 'p:' .. ARGV[1], 'd:' .. domain)
return 1
`;
