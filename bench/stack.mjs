#!/usr/bin/env node
// Runs Push's stack in the foreground from the build: one api, two gateway nodes and one monitor
// against $REDIS_URL, until SIGTERM or SIGINT, which stops them all (by PID). If one of them exits
// on its own, the others are stopped too and this exits with 1. Meant for other harnesses, e.g.
//   PUSH_CMD="node /path/to/push/bench/stack.mjs" bash run-peers.sh --systems "push minimal socketio"
//
// env: REDIS_URL (default redis://127.0.0.1:6379), KEY_PREFIX (default push:), API_PORT (5001),
//      GATEWAY_PORTS (comma list, default 8888,8889), MONITOR_PORT (5003), LOG_LEVEL (warn);
//      any other variable (PUBLIC_URL, WS_*, ...) is passed on to the apps.
// options: --fake (run bench/test-fake.mjs instead of the build), --node-args "..." (for the apps)
import { checkBuild, killAllSync, startStack, stopAll } from './lib/stack.mjs';
import { parseArgs, toBool } from './lib/util.mjs';

const args = parseArgs(process.argv.slice(2));
const fake = toBool(args.fake);
const env = process.env;
const say = (s) => process.stderr.write(`[push-stack] ${s}\n`);
const port = (name, value, def) => {
  const n = Number(value ?? def);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number, got "${value}"`);
  return n;
};

try {
  if (!fake) checkBuild();
} catch (err) {
  say(err.message);
  process.exit(1);
}

const gatewayPorts = String(env.GATEWAY_PORTS ?? '8888,8889').split(',').filter(Boolean).map((p) => port('GATEWAY_PORTS', p));
let stack = null;
let stopping = false;
process.on('exit', killAllSync); // last resort: nothing we started outlives us

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  if (stack) await stopAll(stack.all);
  process.exit(code);
}
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    say(`${sig}: stopping`);
    void shutdown(0);
  });
}

try {
  stack = await startStack({
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    keyPrefix: env.KEY_PREFIX || 'push:',
    apiPort: port('API_PORT', env.API_PORT, 5001),
    gatewayPorts,
    monitorPort: port('MONITOR_PORT', env.MONITOR_PORT, 5003),
    fake,
    inherit: true,
    extraEnv: { LOG_LEVEL: env.LOG_LEVEL || 'warn' },
    nodeArgs: String(args.nodeArgs ?? '').split(' ').filter(Boolean),
  });
} catch (err) {
  say(`start failed: ${err.message}`);
  process.exit(1);
}
say(`ready: ${stack.all.map((c) => `${c.name} pid ${c.pid} :${c.port}`).join(', ')}; nodes ${stack.nodes.join(' ')}`);
for (const c of stack.all) {
  c.exited.then((info) => {
    if (stopping) return;
    say(`${c.name} (pid ${c.pid}) exited on its own (${JSON.stringify(info)}): stopping the others`);
    void shutdown(1);
  });
}
