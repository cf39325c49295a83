#!/usr/bin/env node
// What Redis does per message while a benchmark runs beside it: every second, INFO of each redis-server
// on the ports given (default 6390-6399, where run-peers.sh and bench/run.mjs start theirs), written as
// the per-second differences of its counters (commands by name, reads and writes processed, bytes in
// and out, main-thread user and system CPU). --summarize reads such a log back and prints, for each
// steady window (consecutive seconds with at least --min-rate XADDs/s, the first and last two left out),
// those counters per message, a message being one XADD (one per publish in Push and in the references).
// Used for "Redis inside the stack" in bench/README.md:
//
//   node bench/redis-watch.mjs --seconds 900 > /tmp/redis.log &
//   bash run-peers.sh --systems "push minimal socketio" --rates 9000 --seconds 20 --idle-users 0
//   node bench/redis-watch.mjs --summarize /tmp/redis.log
//
// A line: `<hh:mm:ss> <port> {"xadd":9010,"evalsha":1290,...,"used_cpu_user_main_thread":153000}` (CPU
// in microseconds over that second). INFO once a second costs Redis about 0.1 ms of it.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs, sleep } from './lib/util.mjs';

const args = parseArgs(process.argv.slice(2));

/** Counters of an INFO ALL reply: `cmdstat_<name>` as its calls, the numeric totals and CPU fields as they are. */
function countersOf(info) {
  const out = {};
  for (const line of info.split('\r\n')) {
    const m = /^([a-z_]+):(.*)$/.exec(line);
    if (!m) continue;
    const [, name, value] = m;
    if (name.startsWith('cmdstat_')) out[name.slice('cmdstat_'.length)] = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
    else if ((name.startsWith('total_') || name.startsWith('used_cpu_')) && Number.isFinite(Number(value))) out[name] = Number(value);
  }
  return out;
}

async function watch(seconds, ports) {
  const { Redis } = createRequire(new URL('../package.json', import.meta.url))('ioredis');
  const clients = new Map();
  const last = new Map();
  const endMs = Date.now() + seconds * 1000;
  while (Date.now() < endMs) {
    const time = new Date().toISOString().slice(11, 19);
    for (const port of ports) {
      let client = clients.get(port);
      if (client === undefined) {
        client = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
        client.on('error', () => undefined);
        try {
          await client.connect();
          clients.set(port, client);
        } catch {
          client.disconnect();
          continue;
        }
      }
      let now;
      try {
        now = countersOf(await client.info('all'));
      } catch {
        // that server stopped (the harness starts a fresh one per run): its counters start again
        client.disconnect();
        clients.delete(port);
        last.delete(port);
        continue;
      }
      const before = last.get(port);
      last.set(port, now);
      if (before === undefined) continue;
      const diff = {};
      for (const [name, value] of Object.entries(now)) {
        const d = value - (before[name] ?? 0);
        if (d !== 0) diff[name] = name.startsWith('used_cpu_') ? Math.round(d * 1e6) : d;
      }
      process.stdout.write(`${time} ${port} ${JSON.stringify(diff)}\n`);
    }
    await sleep(1000);
  }
  for (const c of clients.values()) c.disconnect();
}

function summarize(file, minRate) {
  const windows = [];
  let current = null;
  for (const line of fs.readFileSync(file, 'utf8').trim().split('\n')) {
    const [time, port, json] = line.split(' ');
    const row = JSON.parse(json);
    if ((row.xadd ?? 0) < minRate) {
      current = null;
      continue;
    }
    if (current === null || current.port !== port) {
      current = { time, port, rows: [] };
      windows.push(current);
    }
    current.rows.push(row);
  }
  const shown = ['xadd', 'evalsha', 'hexists', 'time', 'publish', 'total_commands_processed', 'total_reads_processed', 'total_writes_processed', 'total_net_input_bytes', 'total_net_output_bytes', 'used_cpu_user_main_thread', 'used_cpu_sys_main_thread'];
  for (const w of windows) {
    const inner = w.rows.slice(2, -2);
    if (inner.length < 3) continue;
    const sum = {};
    for (const r of inner) for (const [name, v] of Object.entries(r)) sum[name] = (sum[name] ?? 0) + v;
    const messages = sum.xadd;
    const text = shown
      .filter((name) => sum[name] !== undefined)
      .map((name) => `${name.replace(/^total_|_processed$/g, '').replace('used_cpu_', 'cpu_us_')}=${(sum[name] / messages).toFixed(name.startsWith('used_cpu_') || name.includes('bytes') ? 1 : 3)}`)
      .join(' ');
    console.log(`${w.time} :${w.port} ${String(inner.length).padStart(3)} s  ${Math.round(messages / inner.length)} msgs/s  per message: ${text}`);
  }
}

if (args.summarize !== undefined) {
  summarize(String(args.summarize), Number(args.minRate ?? 1000));
} else {
  const ports = args.ports !== undefined ? String(args.ports).split(',').map(Number) : Array.from({ length: 10 }, (_, i) => 6390 + i);
  await watch(Number(args.seconds ?? 600), ports);
}
