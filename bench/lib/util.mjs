// Small helpers shared by the bench: clock, argument parsing, percentiles, bounded concurrency.
import process from 'node:process';

// Microseconds of CLOCK_MONOTONIC. process.hrtime reads the system-wide monotonic clock, so stamps
// taken in different processes on one machine are directly comparable (the publisher stamps a
// message, a loader process subtracts that stamp from its own receive time).
export function nowUs() {
  return Number(process.hrtime.bigint() / 1000n);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const round = (x, digits = 2) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits);

// "--key value", "--key=value" and "--flag"; keys are turned into camelCase.
export function parseArgs(argv) {
  const out = {};
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}" (options start with --)`);
    let key = a.slice(2);
    let value = true;
    const eq = key.indexOf('=');
    if (eq >= 0) {
      value = key.slice(eq + 1);
      key = key.slice(0, eq);
    } else if (k + 1 < argv.length && (!argv[k + 1].startsWith('--') || argv[k + 1].includes(' '))) {
      // a value with a space is never an option name (e.g. --node-args "--cpu-prof --cpu-prof-dir=x")
      value = argv[++k];
    }
    out[key.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = value;
  }
  return out;
}

export function toNumber(value, name, { min = -Infinity, integer = false } = {}) {
  const n = Number(value);
  if (value === true || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got "${value}"`);
  }
  return n;
}

export function toBool(value) {
  return value === true || value === 'true' || value === '1' || value === 'yes';
}

// Nearest-rank percentile of an ascending-sorted array (exact: computed from every sample).
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

// p50/p90/p99/max/mean in milliseconds of a Float64Array of microseconds (sorted in place).
export function latencySummary(samplesUs) {
  samplesUs.sort();
  let sum = 0;
  for (let k = 0; k < samplesUs.length; k++) sum += samplesUs[k];
  const ms = (us) => (us == null ? null : round(us / 1000, 3));
  return {
    samples: samplesUs.length,
    p50: ms(percentile(samplesUs, 50)),
    p90: ms(percentile(samplesUs, 90)),
    p99: ms(percentile(samplesUs, 99)),
    max: ms(samplesUs.length ? samplesUs[samplesUs.length - 1] : null),
    mean: ms(samplesUs.length ? sum / samplesUs.length : null),
  };
}

// Runs fn(k) for k in [0, n) with at most `limit` calls pending; resolves to the results in order.
export async function mapLimit(n, limit, fn) {
  const results = new Array(n);
  let next = 0;
  async function lane() {
    while (next < n) {
      const k = next++;
      results[k] = await fn(k);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, n)) }, lane));
  return results;
}

// Polls `check` every `intervalMs` until it returns a truthy value or `timeoutMs` passes.
// Returns the value, or null on timeout (the caller decides whether that is fatal).
export async function pollUntil(check, { timeoutMs, intervalMs = 50 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() >= deadline) return null;
    await sleep(intervalMs);
  }
}

// "2-20" -> ["127.0.0.2", ..., "127.0.0.20"]: loopback source addresses for client sockets, so that
// one (source, destination) pair never runs out of its ~28k ephemeral ports.
export function sourceAddresses(spec) {
  if (spec === 'none' || spec === '') return [undefined];
  const [a, b] = String(spec).split('-').map(Number);
  if (!Number.isInteger(a) || a < 1 || a > 254 || (b !== undefined && (!Number.isInteger(b) || b < a || b > 254))) {
    throw new Error(`--sources must look like 2-20, got "${spec}"`);
  }
  const out = [];
  for (let x = a; x <= (b ?? a); x++) out.push(`127.0.0.${x}`);
  return out;
}

// Deterministic fast random numbers (xorshift32), so a rerun picks the same users.
export function xorshift(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const started = Date.now();

// Progress line on stderr: "[bench 12.3s] ...".
export function log(...parts) {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${parts.join(' ')}\n`);
}
