#!/usr/bin/env node
// CPU of every benchmark process, per second, while a benchmark runs beside it: Push's apps (from
// `dist/apps/<app>/main.js`), the side-by-side harness's reference servers (`peers/<x>-server.mjs --role
// <role>`), its load generator (`loadgen.mjs`) and every `redis-server`. Reads utime + stime from
// /proc (Linux only); stops by itself after --seconds. Used for the per-process tables of bench/README.md
// ("Fifty-seventh to seventy-third runs" and "Seventy-fourth to ninety-eighth runs"):
//
//   node bench/cpu-watch.mjs --seconds 900 > /tmp/cpu.log &
//   bash run-peers.sh --systems "push minimal socketio" --repeat 2 --rates 9000 --seconds 20 --idle-users 0
//   node bench/cpu-watch.mjs --summarize /tmp/cpu.log
//
// A line: `<hh:mm:ss> <name>:<pid>=<percent of one core> ...` (two busy cores = 200). --summarize reads
// such a log back and prints the mean per process kind (api, gateway, io, loadgen, monitor, redis@<port>, ...)
// of each steady window: consecutive seconds with the same processes and the load generator busy
// (≥ 30 %) within ±6 points of the window's mean, the first and last second left out.
import fs from 'node:fs';
import { cpuSeconds } from './lib/proc.mjs';
import { parseArgs } from './lib/util.mjs';

const args = parseArgs(process.argv.slice(2));

/** The benchmark role of a process from its command line, or null for one that is not watched. */
function roleOf(pid) {
  let cmd;
  try {
    cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return null;
  }
  // one redis-server per port: the harness's own apart from the machine's shared one
  if (/\bredis-server\b/.test(cmd)) return `redis@${/:(\d+)/.exec(cmd)?.[1] ?? '?'}`;
  const app = /dist\/apps\/(\w+)\/main\.js/.exec(cmd);
  if (app) return app[1];
  const peer = /peers\/\w+-server\.mjs.*--role (\w+)/.exec(cmd);
  if (peer) return peer[1];
  return /\bloadgen\.mjs\b/.test(cmd) ? 'loadgen' : null;
}

function watch(seconds) {
  const before = new Map();
  const tick = () => {
    const out = [];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const role = roleOf(entry);
      if (role === null) continue;
      const cpu = cpuSeconds(entry);
      if (cpu === null) continue;
      const last = before.get(entry);
      before.set(entry, cpu);
      if (last !== undefined) out.push(`${role}:${entry}=${Math.round((cpu - last) * 1000) / 10}`);
    }
    process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${out.sort().join(' ')}\n`);
  };
  const timer = setInterval(tick, 1000);
  setTimeout(() => clearInterval(timer), seconds * 1000);
}

function summarize(file) {
  const rows = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [time, ...fields] = line.split(' ').filter(Boolean);
      const byRole = {};
      const names = [];
      for (const field of fields) {
        const [name, value] = field.split('=');
        const role = name.split(':')[0];
        byRole[role] = (byRole[role] ?? 0) + Number(value);
        if (role !== 'loadgen' && !role.startsWith('redis')) names.push(name);
      }
      return { time, byRole, processes: names.sort().join(',') };
    });
  const windows = [];
  let current = null;
  for (const row of rows) {
    const load = row.byRole.loadgen ?? 0;
    if (load < 30) {
      current = null;
      continue;
    }
    if (current === null || current.processes !== row.processes || Math.abs(load - current.meanLoad) > 6) {
      current = { processes: row.processes, rows: [], meanLoad: load };
      windows.push(current);
    }
    current.rows.push(row);
    current.meanLoad = current.rows.reduce((sum, r) => sum + (r.byRole.loadgen ?? 0), 0) / current.rows.length;
  }
  for (const w of windows) {
    const inner = w.rows.slice(1, -1);
    if (inner.length < 3) continue;
    const mean = {};
    for (const r of inner) for (const [role, v] of Object.entries(r.byRole)) mean[role] = (mean[role] ?? 0) + v / inner.length;
    const text = Object.entries(mean)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([role, v]) => `${role}=${v.toFixed(1)}`)
      .join(' ');
    console.log(`${w.rows[0].time} ${String(inner.length).padStart(3)} s  ${text}`);
  }
}

if (args.summarize !== undefined) summarize(String(args.summarize));
else watch(Number(args.seconds ?? 600));
