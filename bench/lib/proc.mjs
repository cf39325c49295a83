// CPU time and memory of processes, read from /proc (Linux only).
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every Linux x86_64 seen so far).
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

// utime + stime of one process in seconds, or null when it is gone.
export function cpuSeconds(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: the fields we want come after the last ')'
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

// CPU seconds of this process's children that have exited and been waited for (cutime + cstime).
export function exitedChildrenCpuSeconds() {
  const s = fs.readFileSync('/proc/self/stat', 'utf8');
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[13]) + Number(rest[14])) / CLK_TCK;
}

// VmRSS of one process in bytes (0 when it is gone).
export function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

// CPU seconds of named groups of processes, e.g. { api: [pid], loadgen: [pid, pid, pid] }.
export function cpuSample(groups) {
  const out = {};
  for (const [name, pids] of Object.entries(groups)) {
    out[name] = pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
  }
  return out;
}

// Percent of one core per group between two samples (two busy cores = 200).
export function cpuPercent(before, after, wallSeconds) {
  const out = {};
  for (const name of Object.keys(after)) {
    out[name] = Math.round(((after[name] - (before[name] ?? 0)) / wallSeconds) * 1000) / 10;
  }
  return out;
}

// Whole-machine busy and total ticks from /proc/stat (all CPUs).
export function machineCpu() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return { busy: user + nice + system + irq + softirq + steal, steal, total: f.slice(0, 8).reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}

// Machine CPU between two machineCpu() samples, in percent of one core like the per-process figures.
// Steal (time the hypervisor gave our vCPUs to someone else) counts as busy: nothing here could use it.
export function machinePercent(a, b, ncpu) {
  if (!a || !b || b.total === a.total) return null;
  return Math.round(((b.busy - a.busy) / (b.total - a.total)) * 100 * ncpu * 10) / 10;
}

// The steal part of the same interval, in percent of one core.
export function stealPercent(a, b, ncpu) {
  if (!a || !b || b.total === a.total) return null;
  return Math.round(((b.steal - a.steal) / (b.total - a.total)) * 100 * ncpu * 10) / 10;
}

// The soft and hard open-file limits of this process ("Max open files" in /proc/self/limits).
export function openFileLimit() {
  try {
    const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return m ? { soft: m[1], hard: m[2] } : null;
  } catch {
    return null;
  }
}

export function alive(pid) {
  return cpuSeconds(pid) !== null;
}
