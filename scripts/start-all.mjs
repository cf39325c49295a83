// Runs the three apps of a single-machine setup (`npm start`): api, gateway and monitor, each as its own
// process from the build, with this process's environment. Their output is prefixed line by line.
// SIGINT/SIGTERM are forwarded to each child by PID (the children run in their own process groups, so a
// Ctrl-C in the terminal reaches each of them exactly once, through us, and their graceful drain is not
// cut short by a second signal). When one app exits on its own, the others are stopped too; this process
// exits when all have, with the first failure's code.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const apps = ['api', 'gateway', 'monitor'];
const width = Math.max(...apps.map((a) => a.length));
/** Time a child gets after SIGTERM before it is killed, so `npm start` never hangs on a stuck app. */
const KILL_AFTER_MS = 20_000;

const missing = apps.map((app) => join(root, 'dist', 'apps', app, 'main.js')).filter((f) => !existsSync(f));
if (missing.length > 0) {
  console.error(`start-all: ${missing.join(', ')} missing: run \`npm run build\` first (\`npm start\` does).`);
  process.exit(1);
}

const log = (line) => console.log(`[${'start-all'.padEnd(width)}] ${line}`);
const children = new Map();
let stopping = false;
let exitCode = 0;

function pipe(stream, app, out) {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`[${app.padEnd(width)}] ${line}\n`));
}

function stopAll(signal) {
  for (const [app, child] of children) {
    log(`sending ${signal} to ${app} (pid ${child.pid})`);
    child.kill(signal);
  }
}

for (const app of apps) {
  const child = spawn(process.execPath, [join(root, 'dist', 'apps', app, 'main.js')], {
    cwd: root,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.set(app, child);
  log(`started ${app} (pid ${child.pid})`);
  pipe(child.stdout, app, process.stdout);
  pipe(child.stderr, app, process.stderr);
  child.on('error', (err) => log(`${app}: ${err.message}`));
  child.on('exit', (code, signal) => {
    children.delete(app);
    log(`${app} exited (${signal ?? `code ${code}`})`);
    if (!stopping) {
      // one app gone on its own leaves a broken service: stop the rest and report the failure
      exitCode = code || 1;
      shutdown('SIGTERM');
    } else if (code !== 0 && code !== null && exitCode === 0) {
      exitCode = code;
    }
    if (children.size === 0) process.exit(exitCode);
  });
}

function shutdown(signal) {
  if (stopping) {
    // a second Ctrl-C means "now"
    stopAll('SIGKILL');
    return;
  }
  stopping = true;
  stopAll(signal);
  setTimeout(() => {
    log(`still running after ${KILL_AFTER_MS} ms: killing`);
    stopAll('SIGKILL');
  }, KILL_AFTER_MS).unref();
}

process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
