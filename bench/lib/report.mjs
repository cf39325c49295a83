// Results -> markdown tables and a hand-written SVG latency chart.
import fs from 'node:fs';
import path from 'node:path';

const dash = (x) => (x === null || x === undefined ? '–' : String(x));
const fmt = (x, d = 2) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));
const int = (x) => (x === null || x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));

function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

// Markdown report of one run.
export function renderMarkdown(r, name) {
  const m = r.machine;
  const out = [];
  out.push(`# Push bench ${name ?? ''}`.trim(), '');
  out.push(`\`${r.command}\` — ${r.kind} run, ${r.startedAt}${r.error ? ` — **failed: ${r.error}**` : ''}`, '');
  out.push(`Machine: ${m.nproc} CPU (${m.cpuModel}), ${m.memGiB} GiB, kernel ${m.kernel}, Node ${m.node}, Redis ${dash(m.redis)}, ` +
    `open files ${m.openFiles ? `${m.openFiles.soft}/${m.openFiles.hard}` : '?'}, load average at start ${m.loadavgStart.join(' ')}` +
    `${m.loadavgEnd ? `, at end ${m.loadavgEnd.join(' ')}` : ''}; commit ${dash(m.gitCommit)}${m.gitDirty ? ' (with uncommitted changes)' : ''}.`, '');
  if (r.load) {
    const L = r.load;
    out.push(`## Rate steps: ${r.options.users} users, one socket each over ${L.nodes.length} gateway nodes; ${r.options.seconds} s per step`, '');
    out.push(`Connected ${L.connected}/${r.options.users}${L.connectFailed ? ` (${L.connectFailed} failed: ${JSON.stringify(L.connectErrors)})` : ''}; ` +
      `all routable ${L.readySeconds ?? '–'} s after the first connect (${L.readySignal ?? 'never'}). ` +
      `Max sustained: **${int(L.maxSustainedRate)} msgs/s** offered (${int(L.maxSustainedDeliveredPerSec)} delivered/s).` +
      (L.warmup ? ` Warm-up before the first step (not in the table): ${int(L.warmup.published)} messages at ${int(L.warmup.rate)}/s, ` +
        `${int(L.warmup.lost)} lost, p50 ${fmt(L.warmup.latencyMs.p50)} ms, max ${fmt(L.warmup.latencyMs.max, 1)} ms, slowest publish ${fmt(L.warmup.publishRttMaxMs, 1)} ms.` : ''), '');
    const names = [...new Set(L.steps.flatMap((s) => Object.keys(s.cpuPct)))];
    const rows = L.steps.map((s) => [
      int(s.rate), int(s.publishedPerSec), int(s.deliveredPerSec),
      fmt(s.latencyMs.p50), fmt(s.latencyMs.p90), fmt(s.latencyMs.p99), fmt(s.latencyMs.max, 1),
      int(s.lost), int(s.dup), int(s.misrouted), `${int(s.publishErrors)}${s.unsent ? ` (+${int(s.unsent)} unsent)` : ''}`,
      ...names.map((n) => dash(s.cpuPct[n])), dash(s.machineCpuPct), dash(s.otherCpuPct), dash(s.stealCpuPct), s.sustained ? 'yes' : '**no**',
    ]);
    out.push(table(['offered/s', 'published/s', 'delivered/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'lost', 'dup', 'misrouted', 'errors',
      ...names.map((n) => `CPU % ${n}`), 'CPU % machine', 'CPU % other', 'CPU % steal', 'sustained'], rows), '');
    out.push('Latency: publish request sent → message frame received on the socket, every message (exact percentiles). ' +
      'CPU: percent of one core over the step and its drain (utime+stime from /proc; the machine has ' +
      `${m.nproc} cores, so ${m.nproc * 100} = all busy); loadgen = publisher + load processes; ` +
      'other = machine − listed processes: load from outside the bench (more than ~10 means the step was disturbed); ' +
      'steal = time the hypervisor gave these vCPUs to other guests (counted in machine and other). ' +
      'Sustained: nothing lost, duplicated, misrouted, refused or left unsent, no socket closed, delivered/s ≥ 97 % of offered and p99 < 100 ms.', '');
  }
  if (r.publishOnly) {
    const p = r.publishOnly;
    const names = Object.keys(p.cpuPct);
    out.push('## Publish only (one api process, no sockets; closed loop)', '');
    out.push(table(['client', 'in flight', 'seconds', 'requests/s', 'errors', 'rtt p50 ms', 'rtt p99 ms', ...names.map((n) => `CPU % ${n}`), 'CPU % machine', 'CPU % other'], [[
      p.client ?? 'node', p.inflight, fmt(p.seconds, 1), `**${int(p.requestsPerSec)}**`, int(p.errors), fmt(p.rttMs.p50), fmt(p.rttMs.p99),
      ...names.map((n) => dash(p.cpuPct[n])), dash(p.machineCpuPct), dash(p.otherCpuPct),
    ]]), '');
  }
  if (r.idle) {
    const i = r.idle;
    out.push(`## Idle sockets on one fresh gateway process (${i.gatewayAddress})`, '');
    out.push(table(['sockets held', 'connect/s (authenticated)', 'open + hello sent /s', 'gateway CPU per connect', 'gateway RSS before → after', 'bytes per idle socket', 'Redis bytes per socket', 'probe delivered'], [[
      `${int(i.connected)}/${int(i.requested)} (still open ${int(i.stillOpen)})`,
      i.connectPerSec ? `**${int(i.connectPerSec)}**` : `– (${dash(i.readySignal)})`,
      int(i.openPerSec), `${fmt(i.gatewayCpuPerConnectUs, 0)} µs`,
      `${fmt(i.gatewayRssBeforeMB, 1)} → ${fmt(i.gatewayRssAfterMB, 1)} MB`, `**${int(i.bytesPerSocket)}**`, int(i.redisBytesPerSocket),
      `${int(i.probe.delivered)}/${int(i.probe.of)}`,
    ]]), '');
    out.push(`Baseline RSS taken ${i.baselineAfterStartSeconds} s after the gateway started (V8 returns its start-up heap by then), ` +
      `second sample after holding the sockets ${i.holdSeconds} s; bytes per socket = growth / sockets held. ` +
      `Connect/s = sockets / time from the first connect until the gateway had subscribed every socket's channel (${dash(i.readySignal)}). ` +
      'Probe: one message published to every held socket afterwards.' +
      `${i.connectFailed ? ` Connect failures: ${JSON.stringify(i.connectErrors)}.` : ''}` +
      `${Object.keys(i.closeCodes ?? {}).length ? ` Closed by the server: ${JSON.stringify(i.closeCodes)}.` : ''}`, '');
  }
  return `${out.join('\n')}\n`;
}

// Earlier results of the same kind in `dir` (newest last), for the chart.
export function loadPreviousRuns(dir, current, max) {
  let files;
  try {
    files = fs.readdirSync(dir).filter((f) => /^\d{4}-\d\d-\d\d-\d{6}\.json$/.test(f)).sort();
  } catch {
    return [];
  }
  const runs = [];
  for (const f of files) {
    try {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      if (r.kind === current.kind && r.startedAt !== current.startedAt && r.load?.steps?.length) runs.push({ ...r, file: f.replace(/\.json$/, '') });
    } catch {
      // a half-written or foreign file: not charted
    }
  }
  return runs.slice(-max);
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

// SVG chart: p50 (solid) and p99 (dashed) latency per offered rate, one colour per run, log scale.
export function renderSvg(runs) {
  const W = 760;
  const H = 440;
  const left = 64;
  const right = 200;
  const top = 44;
  const bottom = 56;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const rates = [...new Set(runs.flatMap((r) => (r.load?.steps ?? []).map((s) => s.rate)))].sort((a, b) => a - b);
  const values = runs.flatMap((r) => (r.load?.steps ?? []).flatMap((s) => [s.latencyMs.p50, s.latencyMs.p99])).filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(0.01, Math.min(...values, 1)))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))));
  const pad = 30; // keep edge markers off the frame
  const x = (rate) => left + (rates.length === 1 ? pw / 2 : pad + (rates.indexOf(rate) / (rates.length - 1)) * (pw - 2 * pad));
  const y = (ms) => top + ph - ((Math.log10(Math.max(ms, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * ph;
  const o = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  o.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  o.push(`<text x="${left}" y="24" font-size="15" font-weight="bold">Push: publish → socket latency by offered rate (ms, log scale)</text>`);
  // grid: 1-2-5 per decade
  for (let d = lo; d < hi * 1.001; d *= 10) {
    for (const k of [1, 2, 5]) {
      const v = d * k;
      if (v > hi * 1.001) break;
      const yy = y(v).toFixed(1);
      o.push(`<line x1="${left}" x2="${left + pw}" y1="${yy}" y2="${yy}" stroke="${k === 1 ? '#bbb' : '#e5e5e5'}"/>`);
      o.push(`<text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#444">${+v.toPrecision(2)}</text>`);
    }
  }
  for (const rate of rates) {
    o.push(`<line x1="${x(rate)}" x2="${x(rate)}" y1="${top}" y2="${top + ph}" stroke="#eee"/>`);
    o.push(`<text x="${x(rate)}" y="${top + ph + 18}" text-anchor="middle" fill="#444">${rate >= 1000 ? `${+(rate / 1000).toFixed(1)}k` : rate}/s</text>`);
  }
  o.push(`<text x="${left + pw / 2}" y="${H - 12}" text-anchor="middle">offered publish rate (msgs/s)</text>`);
  o.push(`<text transform="translate(16 ${top + ph / 2}) rotate(-90)" text-anchor="middle">latency, ms</text>`);
  o.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  runs.forEach((r, k) => {
    const color = COLORS[k % COLORS.length];
    const steps = [...(r.load?.steps ?? [])].sort((a, b) => a.rate - b.rate);
    for (const [key, dashArr] of [['p50', ''], ['p99', '6 4']]) {
      const pts = steps.filter((s) => s.latencyMs[key] > 0).map((s) => `${x(s.rate).toFixed(1)},${y(s.latencyMs[key]).toFixed(1)}`);
      if (pts.length > 1) o.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dashArr ? ` stroke-dasharray="${dashArr}"` : ''}/>`);
      for (const s of steps) {
        if (!(s.latencyMs[key] > 0)) continue;
        // filled marker: sustained step; hollow: not sustained
        o.push(`<circle cx="${x(s.rate).toFixed(1)}" cy="${y(s.latencyMs[key]).toFixed(1)}" r="4" stroke="${color}" stroke-width="2" fill="${s.sustained ? color : 'white'}">` +
          `<title>${esc(`${r.file ?? r.startedAt} ${s.rate}/s ${key} ${s.latencyMs[key]} ms${s.sustained ? '' : ' (not sustained)'}`)}</title></circle>`);
      }
    }
    const ly = top + 8 + k * 34;
    o.push(`<line x1="${left + pw + 14}" x2="${left + pw + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    o.push(`<text x="${left + pw + 46}" y="${ly + 4}">${esc(r.file ?? r.startedAt.slice(0, 19))}</text>`);
    o.push(`<text x="${left + pw + 46}" y="${ly + 18}" fill="#666" font-size="11">${esc(`${r.machine?.gitCommit ?? ''}${r.machine?.gitDirty ? '+' : ''} · ${r.options?.users ?? '?'} users`)}</text>`);
  });
  const ky = top + ph - 40;
  o.push(`<line x1="${left + pw + 14}" x2="${left + pw + 40}" y1="${ky}" y2="${ky}" stroke="#333" stroke-width="2"/><text x="${left + pw + 46}" y="${ky + 4}">p50</text>`);
  o.push(`<line x1="${left + pw + 14}" x2="${left + pw + 40}" y1="${ky + 16}" y2="${ky + 16}" stroke="#333" stroke-width="2" stroke-dasharray="6 4"/><text x="${left + pw + 46}" y="${ky + 20}">p99</text>`);
  o.push(`<text x="${left + pw + 14}" y="${ky + 38}" fill="#666" font-size="11">hollow = not sustained</text>`);
  o.push('</svg>');
  return `${o.join('\n')}\n`;
}
