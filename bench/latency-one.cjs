// publish→socket latency: one socket, 1,000 sequential publishes over HTTP; time from just before the POST to the frame's arrival
/* global fetch */
const { spawn, execSync } = require('node:child_process');
const WebSocket = require('ws');
const prefix = `t:latency:${Date.now()}:`;
const env = { ...process.env, KEY_PREFIX: prefix, HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  const api = spawn('node', [require('node:path').join(__dirname, '..', 'dist', 'apps', 'api/main.js')], { env: { ...env, API_PORT: '15911' }, stdio: 'inherit' });
  const gw = spawn('node', [require('node:path').join(__dirname, '..', 'dist', 'apps', 'gateway/main.js')], { env: { ...env, GATEWAY_PORT: '15912' }, stdio: 'inherit' });
  await sleep(3000);
  const { token } = await (await fetch('http://127.0.0.1:15911/token/', { method: 'POST' })).json();
  const { queue } = await (await fetch('http://127.0.0.1:15911/queue/', { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: JSON.stringify({ domain: 'example.com' }) })).json();
  const ws = new WebSocket('ws://127.0.0.1:15912/', { perMessageDeflate: false });
  let waiter = null;
  ws.on('message', (d) => { const f = JSON.parse(d); if (f.type) { hello(); } else if (waiter) waiter(process.hrtime.bigint()); });
  let hello; const helloP = new Promise((r) => (hello = r));
  ws.on('open', () => ws.send(JSON.stringify({ token })));
  await helloP;
  const lat = [];
  for (let i = 0; i < 1100; i++) {
    const got = new Promise((r) => (waiter = r));
    const t0 = process.hrtime.bigint();
    const res = fetch(queue, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: `m${i}` }) });
    const t1 = await got;
    await (await res).text();
    if (i >= 100) lat.push(Number(t1 - t0) / 1e6);
  }
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.floor(p * (lat.length - 1))].toFixed(3);
  console.log(`publish→socket latency over ${lat.length} messages (after 100 warm-up): median ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`);
  ws.terminate(); gw.kill('SIGTERM'); api.kill('SIGTERM');
  await sleep(1500);
  execSync(`redis-cli --scan --pattern '${prefix}*' | xargs -r redis-cli unlink`);
  process.exit(0);
})();
