// Caps a process's CPU with a cgroup (v1 `cpu` controller, or cgroup v2), for the gateway scaling
// experiment: with every gateway capped at the same share of a core, the gateways run out of CPU before
// the api, Redis or the load generator do, so the delivery capacity that one more gateway adds can be
// measured on a 2-core machine. Each capped process gets a group of its own, removed by release().
import fs from 'node:fs';
import path from 'node:path';

// A short period: a capped process that used its share waits at most this long (100 ms periods put
// spikes of that size into the latency); longer only where the kernel's 1 ms minimum quota needs it.
const MIN_PERIOD_US = 10_000;
const MIN_QUOTA_US = 1_000;

function writeFile(file, value) {
  fs.writeFileSync(file, String(value));
}

// Where groups can be made: [kind, dir] for cgroup v1's cpu controller or a v2 hierarchy with cpu enabled.
function hierarchy() {
  const v1 = '/sys/fs/cgroup/cpu';
  if (fs.existsSync(path.join(v1, 'cpu.cfs_quota_us'))) return ['v1', v1];
  for (const v2 of ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']) {
    try {
      if (fs.readFileSync(path.join(v2, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) return ['v2', v2];
    } catch {
      // not a v2 hierarchy
    }
  }
  return null;
}

// Moves `pid` into a new group capped at `percent` of one core; returns { release() } (moves it back,
// removes the group). Throws when no writable cgroup hierarchy with the cpu controller exists.
export function capCpu(pid, percent, name) {
  const h = hierarchy();
  if (h === null) throw new Error('no cgroup hierarchy with the cpu controller (needs /sys/fs/cgroup/cpu or cgroup v2 with cpu)');
  const [kind, root] = h;
  const dir = path.join(root, `push-bench-${name}-${pid}`);
  const period = Math.max(MIN_PERIOD_US, Math.ceil((MIN_QUOTA_US * 100) / percent));
  const quota = Math.round((period * percent) / 100);
  fs.mkdirSync(dir, { recursive: true });
  try {
    if (kind === 'v1') {
      writeFile(path.join(dir, 'cpu.cfs_period_us'), period);
      writeFile(path.join(dir, 'cpu.cfs_quota_us'), quota);
    } else {
      writeFile(path.join(dir, 'cpu.max'), `${quota} ${period}`);
    }
    writeFile(path.join(dir, 'cgroup.procs'), pid);
  } catch (err) {
    fs.rmdirSync(dir);
    throw new Error(`capping pid ${pid} at ${percent} % (quota ${quota} us per ${period} us): ${err.message}`, { cause: err });
  }
  let released = false;
  return {
    dir,
    release() {
      if (released) return;
      released = true;
      try {
        writeFile(path.join(root, 'cgroup.procs'), pid);
      } catch {
        // the process is gone already
      }
      try {
        fs.rmdirSync(dir);
      } catch {
        // still has tasks (exiting): the kernel refuses; nothing else to do
      }
    },
  };
}

// Throttling of a capped group so far: { periods, throttledPeriods, throttledMs } (null when unreadable).
export function throttling(dir) {
  try {
    const stat = Object.fromEntries(fs.readFileSync(path.join(dir, 'cpu.stat'), 'utf8').trim().split('\n').map((l) => l.split(' ')));
    const ns = Number(stat.throttled_time ?? 0) || Number(stat.throttled_usec ?? 0) * 1000;
    return { periods: Number(stat.nr_periods ?? 0), throttledPeriods: Number(stat.nr_throttled ?? 0), throttledMs: Math.round(ns / 1e6) };
  } catch {
    return null;
  }
}
