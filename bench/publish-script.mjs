#!/usr/bin/env node
// Redis's cost of one publish script call, alone: a private redis-server (started here, stopped by
// PID), 2,000 user queues with a live push URL each, all 2,000 channels subscribed by one reader, and
// app-shaped arguments (sealed push URL, push URL JSON, notification JSON), pipelined in batches of
// 128. Reports, per round, EVALSHA's usec_per_call from INFO commandstats and Redis's main-thread CPU
// per call (user + sys, so including reading the calls and writing replies and pub/sub messages).
//
//   node bench/publish-script.mjs                      # the script of this checkout
//   node bench/publish-script.mjs --ref 7051926        # and the one of that commit, alternating
//   options: --calls N (per round, default 40000), --rounds N (default 3), --port P (default 6411)
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
const USERS = 2000;
const BATCH = 128;

/** publishLua of a version of lua.scripts.ts. */
function publishScriptOf(source) {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', js)(mod, mod.exports, require);
  return mod.exports.publishLua({ maxLen: 1000, limit: null });
}

const path = 'libs/redis/src/lua.scripts.ts';
const scripts = [['this checkout', publishScriptOf(readFileSync(`${root}${path}`, 'utf8'))]];
if (REF !== null) scripts.unshift([REF, publishScriptOf(execFileSync('git', ['show', `${REF}:${path}`], { cwd: root, encoding: 'utf8' }))]);

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

async function round(sha) {
  for (let u = 0; u < USERS; u++) await redis.del(`{u${u}}:s`);
  await redis.config('RESETSTAT');
  received = 0;
  const cpu0 = await mainThreadCpuS();
  for (let i = 0; i < CALLS; i += BATCH) {
    const p = redis.pipeline();
    for (let k = i; k < i + BATCH && k < CALLS; k++) {
      const u = k % USERS;
      p.evalsha(sha, 3, `{u${u}}:s`, `{u${u}}:urls`, channel(u), `digest${u}`, sealed, urlJson, body, '');
    }
    for (const [err] of await p.exec()) if (err) throw err;
  }
  const cpu1 = await mainThreadCpuS();
  const stats = await redis.info('commandstats');
  const perCall = Number(/cmdstat_evalsha:calls=\d+,usec=\d+,usec_per_call=([\d.]+)/.exec(stats)[1]);
  for (let waited = 0; received < CALLS && waited < 3000; waited += 10) await sleep(10);
  if (received < CALLS) throw new Error(`the reader got ${received} of ${CALLS} published frames`);
  return { perCall, cpuPerCall: ((cpu1 - cpu0) * 1e6) / CALLS };
}

try {
  const shas = [];
  for (const [, lua] of scripts) shas.push(await redis.script('LOAD', lua));
  const results = scripts.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let s = 0; s < scripts.length; s++) {
      const res = await round(shas[s]);
      results[s].push(res);
      console.log(`round ${r + 1} ${scripts[s][0].padEnd(14)} EVALSHA ${res.perCall.toFixed(2)} µs/call, Redis main thread ${res.cpuPerCall.toFixed(2)} µs/call`);
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (let s = 0; s < scripts.length; s++) {
    const r = results[s];
    console.log(`${scripts[s][0].padEnd(14)} mean: EVALSHA ${mean(r.map((x) => x.perCall)).toFixed(2)} µs/call, Redis main thread ${mean(r.map((x) => x.cpuPerCall)).toFixed(2)} µs/call (${CALLS} calls x ${ROUNDS} rounds)`);
  }
} finally {
  redis.disconnect();
  reader.disconnect();
  stop();
}
