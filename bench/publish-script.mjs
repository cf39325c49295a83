#!/usr/bin/env node
// Redis's cost of one publish script call, alone: a private redis-server (started here, stopped by
// PID), 2,000 user queues with a live push URL each, all 2,000 channels subscribed by one reader, and
// app-shaped arguments (sealed push URL, push URL JSON, notification JSON), pipelined in batches of
// 128. Reports, per round, EVALSHA's usec_per_call from INFO commandstats and Redis's main-thread CPU
// per call (user + sys, so including reading the calls and writing replies and pub/sub messages).
//
//   node bench/publish-script.mjs                      # the script of this checkout
//   node bench/publish-script.mjs --ref 7051926        # and the one of that commit, alternating
//   node bench/publish-script.mjs --floor              # and what Redis charges for any script (below)
//   node bench/publish-script.mjs --batch 2,3,4,8      # and the batch script at that many publishes per call
//   options: --calls N (per round, default 40000), --rounds N (default 3), --port P (default 6411)
//
// --floor adds, alternated with the script in each round, what the script's cost is made of: an empty
// script (`return 1`) called with no arguments and with the publish's eight, one that only appends
// (XADD, same fields), one that appends and publishes, and the bare XADD + PUBLISH pair (no script)
// that the reference systems send. Their differences are Redis's fixed cost of a script call, of its
// arguments and of each redis.call, against the commands themselves.
//
// --batch adds the batch script (publishBatchLua, what the api sends for the publishes of one turn of
// its event loop) with k publishes to k user queues per call; its figures are per publish (EVALSHA's
// per call divided by k).
//
// The scripts are read from libs/redis/src/lua.scripts.ts (transpiled with TypeScript, so no build is
// needed); both are called as publishLua({ maxLen: 1000, limit: null }) is by the api.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(`${root}package.json`);
const { Redis } = require('ioredis');
const ts = require('typescript');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const CALLS = Number(opt('calls', 40000));
const ROUNDS = Number(opt('rounds', 3));
const PORT = Number(opt('port', 6411));
const REF = opt('ref', null);
const FLOOR = args.includes('--floor');
const BATCH_SIZES = (opt('batch', '') || '').split(',').filter(Boolean).map(Number);
if (BATCH_SIZES.some((k) => !Number.isInteger(k) || k < 1 || k > 64)) throw new Error('--batch takes publishes per call, 1-64, e.g. --batch 2,4,8');
const USERS = 2000;
const BATCH = 128;

/** The exports of a version of lua.scripts.ts. */
function scriptsOf(source) {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', js)(mod, mod.exports, require);
  return mod.exports;
}

/** publishLua of a version of lua.scripts.ts. */
const publishScriptOf = (source) => scriptsOf(source).publishLua({ maxLen: 1000, limit: null });

const path = 'libs/redis/src/lua.scripts.ts';
const source = readFileSync(`${root}${path}`, 'utf8');
const scripts = [['this checkout', publishScriptOf(source)]];
if (REF !== null) scripts.unshift([REF, publishScriptOf(execFileSync('git', ['show', `${REF}:${path}`], { cwd: root, encoding: 'utf8' }))]);
// the --floor variants: Lua text (null: the bare commands), the arguments it gets, whether it publishes
const floors = FLOOR
  ? [
      { label: 'empty, 0 args', lua: 'return 1', args: 'none', publishes: false },
      { label: 'empty, 8 args', lua: 'return 1', args: 'publish', publishes: false },
      { label: 'XADD only', lua: "return redis.call('XADD', KEYS[1], 'MAXLEN', '1000', '*', 'q', ARGV[2], 'b', ARGV[4])", args: 'publish', publishes: false },
      {
        label: 'XADD+PUBLISH',
        lua: "local id = redis.call('XADD', KEYS[1], 'MAXLEN', '1000', '*', 'q', ARGV[2], 'b', ARGV[4])\nredis.call('PUBLISH', KEYS[3], ARGV[4])\nreturn id",
        args: 'publish',
        publishes: true,
      },
      { label: 'bare commands', lua: null, args: 'publish', publishes: true },
    ]
  : [];
// --batch: the batch script of this checkout with that many publishes per call
const batchLua = BATCH_SIZES.length > 0 ? scriptsOf(source).publishBatchLua({ maxLen: 1000, limit: null }) : null;
const batches = BATCH_SIZES.map((k) => ({ label: `batch of ${k}`, lua: batchLua, args: 'publish', publishes: true, batch: k }));

const server = spawn('redis-server', ['--port', String(PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const stop = () => {
  if (server.exitCode === null) server.kill('SIGTERM');
};
process.on('exit', stop);

const redis = new Redis({ port: PORT, lazyConnect: true, enableAutoPipelining: false });
const reader = new Redis({ port: PORT, lazyConnect: true });
for (let i = 0; ; i++) {
  try {
    await redis.connect();
    await reader.connect();
    break;
  } catch (err) {
    if (i >= 50) throw err;
    await sleep(100);
  }
}

let received = 0;
reader.on('message', () => received++);
const channel = (u) => `{u${u}}:ch`;
await reader.subscribe(...Array.from({ length: USERS }, (_, u) => channel(u)));
for (let u = 0; u < USERS; u++) await redis.hset(`{u${u}}:urls`, `p:digest${u}`, 'example.com');

const sealed = `s:${'A'.repeat(110)}`;
const urlJson = JSON.stringify(`https://push.example.org/push/${'B'.repeat(60)}/`);
const body = JSON.stringify({ title: 'bench', body: `${Date.now()}.123 000123 ${'x'.repeat(32)}` });

async function mainThreadCpuS() {
  const info = await redis.info('cpu');
  const field = (name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)[1]);
  return field('used_cpu_user_main_thread') + field('used_cpu_sys_main_thread');
}

/** What the publish would PUBLISH (for the bare commands): key, timestamp, push URL and notification. */
const frame = `{"key":"1764412345678-123","timestamp":"1764412345.678123","queue":${urlJson},"body":${body}}`;

/** One round of CALLS calls of an entry ({ sha, args, publishes }; sha null for the bare commands). */
async function round(entry) {
  for (let u = 0; u < USERS; u++) await redis.del(`{u${u}}:s`);
  await redis.config('RESETSTAT');
  received = 0;
  const cpu0 = await mainThreadCpuS();
  // a batch entry's call carries `per` publishes to as many user queues; CALLS counts publishes
  const per = entry.batch ?? 1;
  for (let i = 0; i < CALLS; i += BATCH * per) {
    const p = redis.pipeline();
    for (let k = i; k < i + BATCH * per && k < CALLS; k += per) {
      const u = k % USERS;
      if (entry.batch !== undefined) {
        const keys = [];
        const argv = [];
        for (let m = k; m < k + per; m++) {
          const v = m % USERS;
          keys.push(`{u${v}}:s`, `{u${v}}:urls`, channel(v));
          argv.push(`digest${v}`, sealed, urlJson, body, '');
        }
        p.evalsha(entry.sha, keys.length, ...keys, ...argv);
      } else if (entry.sha === null) {
        p.xadd(`{u${u}}:s`, 'MAXLEN', 1000, '*', 'q', sealed, 'b', body);
        p.publish(channel(u), frame);
      } else if (entry.args === 'none') p.evalsha(entry.sha, 0);
      else p.evalsha(entry.sha, 3, `{u${u}}:s`, `{u${u}}:urls`, channel(u), `digest${u}`, sealed, urlJson, body, '');
    }
    for (const [err] of await p.exec()) if (err) throw err;
  }
  const cpu1 = await mainThreadCpuS();
  const stats = await redis.info('commandstats');
  const perCall = (cmd) => {
    const m = new RegExp(`cmdstat_${cmd}:calls=\\d+,usec=\\d+,usec_per_call=([\\d.]+)`).exec(stats);
    return m ? Number(m[1]) : null;
  };
  const publishes = entry.publishes ? CALLS : 0;
  for (let waited = 0; received < publishes && waited < 3000; waited += 10) await sleep(10);
  if (received < publishes) throw new Error(`the reader got ${received} of ${publishes} published frames`);
  const inner = Object.fromEntries(['time', 'hexists', 'xadd', 'publish'].map((c) => [c, perCall(c)]).filter(([, v]) => v !== null));
  const evalsha = perCall('evalsha');
  return { perCall: evalsha === null ? null : evalsha / per, cpuPerCall: ((cpu1 - cpu0) * 1e6) / CALLS, inner };
}

const fmt = (x) => (x === null ? '–' : x.toFixed(2));
const innerText = (inner) => Object.entries(inner).map(([c, v]) => `${c.toUpperCase()} ${v.toFixed(2)}`).join(', ');

try {
  const entries = [...scripts.map(([label, lua]) => ({ label, lua, args: 'publish', publishes: true })), ...floors, ...batches];
  for (const e of entries) e.sha = e.lua === null ? null : await redis.script('LOAD', e.lua);
  const results = entries.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let s = 0; s < entries.length; s++) {
      const res = await round(entries[s]);
      results[s].push(res);
      console.log(`round ${r + 1} ${entries[s].label.padEnd(14)} EVALSHA ${fmt(res.perCall)} µs/call, Redis main thread ${res.cpuPerCall.toFixed(2)} µs/call; inside: ${innerText(res.inner) || '–'}`);
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (let s = 0; s < entries.length; s++) {
    const r = results[s];
    const evalsha = r[0].perCall === null ? null : mean(r.map((x) => x.perCall));
    console.log(`${entries[s].label.padEnd(14)} mean: EVALSHA ${fmt(evalsha)} µs/call, Redis main thread ${mean(r.map((x) => x.cpuPerCall)).toFixed(2)} µs/call (${CALLS} calls x ${ROUNDS} rounds)`);
  }
} finally {
  redis.disconnect();
  reader.disconnect();
  stop();
}
