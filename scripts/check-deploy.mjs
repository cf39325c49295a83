// `npm run check:deploy`: validates the deployment files offline, without a cluster or a Docker engine.
//   1. deploy/k8s: every YAML document parses, is a known kind and passes its kubernetes-models schema;
//      kustomization.yaml lists exactly the files there; the objects reference each other correctly
//      (Service selectors and ports, probes on paths the apps serve, HPA/PDB/Ingress targets, the
//      ConfigMap/Secret names, the gateway's grace period against its drain) and every Deployment has
//      the settings a rolling update without dropped requests needs.
//   2. docker-compose.yml: `docker-compose -f docker-compose.yml config -q`, and the services nginx names.
//   3. deploy/nginx: `nginx -t` on nginx.conf unchanged, with upstreams.compose.conf's hosts pointed at
//      127.0.0.1 (compose service names do not resolve outside Docker, and nginx -t resolves them).
// Exits 1 listing every problem found. Needs `nginx` and `docker-compose` (Debian packages; .ci/run
// installs them).
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, openSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const k8sDir = join(root, 'deploy', 'k8s');
const nginxDir = join(root, 'deploy', 'nginx');
const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);
const timings = [];

async function timed(name, fn) {
  const start = process.hrtime.bigint();
  await fn();
  const ms = Number((process.hrtime.bigint() - start) / 1_000_000n);
  timings.push(`${name} ${ms} ms`);
}

/** The apps of the one image, by the APP variable: default port and the paths their health controllers serve. */
function appFacts() {
  const facts = {};
  const ports = { api: 5001, gateway: 8888, monitor: 5003 };
  const getPaths = (text) => [...text.matchAll(/@Get\('([a-z]+)'\)/g)].map((m) => `/${m[1]}`);
  // the gateway's and the monitor's health controllers extend the shared one, which holds the routes
  const probePaths = getPaths(readFileSync(join(root, 'libs', 'observability', 'src', 'probes.controller.ts'), 'utf8'));
  for (const [app, port] of Object.entries(ports)) {
    const paths = new Set();
    const walk = (dir) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.controller.ts')) {
          const text = readFileSync(path, 'utf8');
          for (const served of getPaths(text)) paths.add(served);
          if (/extends ProbesController\b/.test(text)) for (const served of probePaths) paths.add(served);
        }
      }
    };
    walk(join(root, 'apps', app, 'src'));
    facts[app] = { port, paths };
  }
  return facts;
}

/** A numeric constant `NAME = 12_000` in a source file. */
function sourceConstant(file, name) {
  const m = new RegExp(`const ${name} = ([0-9_]+)`).exec(readFileSync(join(root, file), 'utf8'));
  if (m === null) throw new Error(`${file} no longer defines ${name}: update scripts/check-deploy.mjs`);
  return Number(m[1].replaceAll('_', ''));
}

const subset = (small, big) => Object.entries(small ?? {}).every(([k, v]) => big?.[k] === v);

// ---------------------------------------------------------------------------------------------- 1. k8s
async function checkKubernetes() {
  const files = readdirSync(k8sDir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const kustomization = parseAllDocuments(readFileSync(join(k8sDir, 'kustomization.yaml'), 'utf8'))[0].toJS();
  const listed = kustomization.resources ?? [];
  for (const r of listed) if (!existsSync(join(k8sDir, r))) problem('kustomization.yaml', `lists ${r}, which does not exist`);
  for (const f of files) if (f !== 'kustomization.yaml' && !listed.includes(f)) problem('kustomization.yaml', `does not list ${f}`);

  const objects = [];
  for (const file of files.filter((f) => f !== 'kustomization.yaml')) {
    const docs = parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8'));
    for (const [i, doc] of docs.entries()) {
      const where = `${file}#${i + 1}`;
      if (doc.errors.length > 0) {
        problem(where, `YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
        continue;
      }
      const obj = doc.toJS();
      if (obj === null) continue;
      const { apiVersion, kind } = obj;
      let Model;
      try {
        Model = (await import(`kubernetes-models/${apiVersion}`))[kind];
      } catch {
        Model = undefined;
      }
      if (typeof Model !== 'function') {
        problem(where, `unknown kind ${apiVersion}/${kind}`);
        continue;
      }
      try {
        new Model(obj).validate();
      } catch (err) {
        problem(`${where} ${kind}/${obj.metadata?.name}`, err.message);
      }
      objects.push({ where: `${file} ${kind}/${obj.metadata?.name}`, obj });
    }
  }
  crossCheck(objects);
  return objects.length;
}

function crossCheck(objects) {
  const facts = appFacts();
  const of = (kind) => objects.filter((o) => o.obj.kind === kind);
  const named = (kind, name) => of(kind).find((o) => o.obj.metadata?.name === name);
  const workloads = [...of('Deployment'), ...of('StatefulSet')];
  const configMaps = of('ConfigMap');

  // workloads: selector within their labels; references to ConfigMaps/Secrets; app ports and probes
  for (const { where, obj } of workloads) {
    const labels = obj.spec.template.metadata?.labels;
    if (!subset(obj.spec.selector?.matchLabels, labels)) problem(where, 'spec.selector.matchLabels are not all on the pod template');
    for (const c of obj.spec.template.spec.containers) {
      for (const ref of c.envFrom ?? []) {
        if (ref.configMapRef && !named('ConfigMap', ref.configMapRef.name)) problem(where, `envFrom names ConfigMap ${ref.configMapRef.name}, which is not defined`);
        if (ref.secretRef && !named('Secret', ref.secretRef.name)) problem(where, `envFrom names Secret ${ref.secretRef.name}, which is not defined`);
      }
    }
    if (obj.kind !== 'Deployment') continue;
    checkDeployment(where, obj, facts, configMaps);
  }

  // Services select exactly one workload and target one of its ports
  for (const { where, obj } of of('Service')) {
    const targets = workloads.filter((w) => subset(obj.spec.selector, w.obj.spec.template.metadata?.labels));
    if (targets.length !== 1) {
      problem(where, `selector matches ${targets.length} workloads, expected 1`);
      continue;
    }
    const containerPorts = targets[0].obj.spec.template.spec.containers.flatMap((c) => c.ports ?? []);
    for (const p of obj.spec.ports) {
      const target = p.targetPort ?? p.port;
      const found = containerPorts.some((cp) => (typeof target === 'string' ? cp.name === target : cp.containerPort === target));
      if (!found) problem(where, `port ${p.name ?? p.port} targets ${target}, which ${targets[0].where} does not expose`);
    }
    if (obj.kind === 'Service' && obj.spec.clusterIP === 'None') {
      const sts = of('StatefulSet').find((s) => s.obj.spec.serviceName === obj.metadata.name);
      if (sts === undefined) problem(where, 'headless Service is not the serviceName of any StatefulSet');
    }
  }

  // HPA and PDB point at existing workloads
  for (const { where, obj } of of('HorizontalPodAutoscaler')) {
    const ref = obj.spec.scaleTargetRef;
    const target = named(ref.kind, ref.name);
    if (target === undefined) problem(where, `scaleTargetRef ${ref.kind}/${ref.name} is not defined`);
    else if (target.obj.spec.replicas !== undefined && target.obj.spec.replicas < (obj.spec.minReplicas ?? 1)) {
      problem(where, `minReplicas ${obj.spec.minReplicas} is above ${ref.name}'s replicas ${target.obj.spec.replicas}`);
    }
    for (const m of obj.spec.metrics ?? []) {
      if (m.type !== 'Resource' || target === undefined) continue;
      const requested = target.obj.spec.template.spec.containers.every((c) => c.resources?.requests?.[m.resource.name] !== undefined);
      if (!requested) problem(where, `scales on ${m.resource.name} utilisation but ${ref.name} does not request ${m.resource.name}`);
    }
  }
  for (const { where, obj } of of('PodDisruptionBudget')) {
    const targets = workloads.filter((w) => subset(obj.spec.selector?.matchLabels, w.obj.spec.template.metadata?.labels));
    if (targets.length !== 1) problem(where, `selector matches ${targets.length} workloads, expected 1`);
  }

  // Ingress backends are Services with that port
  for (const { where, obj } of of('Ingress')) {
    for (const rule of obj.spec.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const { name, port } = path.backend.service;
        const svc = named('Service', name);
        if (svc === undefined) {
          problem(where, `backend Service ${name} is not defined`);
          continue;
        }
        const ok = svc.obj.spec.ports.some((p) => (port.name !== undefined ? p.name === port.name : p.port === port.number));
        if (!ok) problem(where, `backend ${name} has no port ${port.name ?? port.number}`);
      }
    }
    const annotations = obj.metadata.annotations ?? {};
    const toGateway = (obj.spec.rules ?? []).some((r) => (r.http?.paths ?? []).some((p) => p.backend.service.name === 'gateway'));
    if (toGateway && Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'] ?? 60) < 3600) {
      problem(where, 'routes WebSockets but proxy-read-timeout is under 3600 s: idle sockets would be cut');
    }
  }
}

function checkDeployment(where, obj, facts, configMaps) {
  const pod = obj.spec.template.spec;
  const rolling = obj.spec.strategy?.rollingUpdate;
  if (obj.spec.strategy?.type !== 'RollingUpdate' || rolling?.maxUnavailable !== 0) problem(where, 'strategy.rollingUpdate.maxUnavailable must be 0');
  if (pod.securityContext?.runAsNonRoot !== true) problem(where, 'securityContext.runAsNonRoot must be true');
  for (const c of pod.containers) {
    const cw = `${where} container ${c.name}`;
    const sc = c.securityContext ?? {};
    if (sc.readOnlyRootFilesystem !== true) problem(cw, 'securityContext.readOnlyRootFilesystem must be true');
    if (sc.allowPrivilegeEscalation !== false) problem(cw, 'securityContext.allowPrivilegeEscalation must be false');
    for (const k of ['requests', 'limits']) {
      if (c.resources?.[k]?.cpu === undefined || c.resources?.[k]?.memory === undefined) problem(cw, `resources.${k} needs cpu and memory`);
    }
    const app = (c.env ?? []).find((e) => e.name === 'APP')?.value;
    if (facts[app] === undefined) {
      problem(cw, `env APP is "${app}", not one of ${Object.keys(facts).join(', ')}`);
      continue;
    }
    const { port, paths } = facts[app];
    const portOf = (ref) => (typeof ref === 'string' ? (c.ports ?? []).find((p) => p.name === ref)?.containerPort : ref);
    if (!(c.ports ?? []).some((p) => p.containerPort === port)) problem(cw, `the ${app} listens on ${port}, which is not a containerPort`);
    for (const [probe, path] of [['livenessProbe', '/healthz'], ['readinessProbe', '/readyz']]) {
      const get = c[probe]?.httpGet;
      if (get === undefined) {
        problem(cw, `${probe} must be an httpGet of ${path}`);
        continue;
      }
      if (get.path !== path) problem(cw, `${probe} checks ${get.path}, expected ${path}`);
      if (!paths.has(get.path)) problem(cw, `${probe} path ${get.path} is not served by apps/${app} (serves ${[...paths].join(', ')})`);
      if (portOf(get.port) !== port) problem(cw, `${probe} port ${get.port} is not the ${app}'s port ${port}`);
    }
    const preStop = c.lifecycle?.preStop?.exec?.command;
    const sleepS = preStop?.[0] === 'sleep' ? Number(preStop[1]) : NaN;
    if (!Number.isFinite(sleepS)) {
      problem(cw, 'lifecycle.preStop must be exec ["sleep", "<seconds>"]');
      continue;
    }
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    if (app === 'gateway') {
      // the process ends by itself at the latest SHUTDOWN_DEADLINE_MS after SIGTERM; the drain takes
      // DRAIN_SPREAD_MS + DRAIN_GRACE_MS of it
      const deadlineS = sourceConstant('apps/gateway/src/main.ts', 'SHUTDOWN_DEADLINE_MS') / 1000;
      const drainGraceS = sourceConstant('apps/gateway/src/lifecycle/drain.service.ts', 'DRAIN_GRACE_MS') / 1000;
      const spreadMs = Number(configMaps.map((m) => m.obj.data?.DRAIN_SPREAD_MS).find((v) => v !== undefined) ?? 3000);
      const drainS = spreadMs / 1000 + drainGraceS;
      if (grace <= sleepS + drainS) problem(cw, `terminationGracePeriodSeconds ${grace} does not cover preStop ${sleepS} s + drain ${drainS} s`);
      if (grace < sleepS + deadlineS) problem(cw, `terminationGracePeriodSeconds ${grace} is under preStop ${sleepS} s + the shutdown deadline ${deadlineS} s`);
    } else if (grace <= sleepS) {
      problem(cw, `terminationGracePeriodSeconds ${grace} does not outlast preStop ${sleepS} s`);
    }
  }
}

// ------------------------------------------------------------------------------------------ 2. compose
/** Runs a command; `stdoutFile` takes its stdout when it must be a file (nginx open()s /dev/stdout, which fails on a pipe). */
function run(cmd, args, stdoutFile) {
  const fd = stdoutFile === undefined ? 'pipe' : openSync(stdoutFile, 'a');
  try {
    const res = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', fd, 'pipe'] });
    if (res.error?.code === 'ENOENT') return { missing: true };
    const stdout = stdoutFile === undefined ? (res.stdout ?? '') : readFileSync(stdoutFile, 'utf8');
    return { status: res.status, output: `${stdout}${res.stderr ?? ''}`.trim() };
  } finally {
    if (fd !== 'pipe') closeSync(fd);
  }
}

function checkCompose() {
  const res = run('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q']);
  if (res.missing) problem('docker-compose.yml', 'docker-compose is not installed (apt-get install -y docker-compose)');
  else if (res.status !== 0) problem('docker-compose.yml', `docker-compose config -q failed:\n${res.output}`);
  // the nginx upstreams name compose services on their apps' ports
  const compose = parseAllDocuments(readFileSync(join(root, 'docker-compose.yml'), 'utf8'))[0].toJS();
  const upstreams = readFileSync(join(nginxDir, 'upstreams.compose.conf'), 'utf8');
  const facts = appFacts();
  for (const m of upstreams.matchAll(/^\s*server\s+([a-z0-9-]+):(\d+)/gm)) {
    const [, service, port] = m;
    const svc = compose.services?.[service];
    if (svc === undefined) problem('deploy/nginx/upstreams.compose.conf', `names ${service}, which is not a service of docker-compose.yml`);
    else if (facts[svc.environment?.APP]?.port !== Number(port)) problem('deploy/nginx/upstreams.compose.conf', `${service}:${port} is not the port of APP=${svc.environment?.APP}`);
  }
  for (const [name, svc] of Object.entries(compose.services ?? {})) {
    for (const v of svc.volumes ?? []) {
      const src = typeof v === 'string' ? v.split(':')[0] : v.source;
      if (src.startsWith('./') && !existsSync(join(root, src))) problem('docker-compose.yml', `${name} mounts ${src}, which does not exist`);
    }
  }
}

// -------------------------------------------------------------------------------------------- 3. nginx
function checkNginx() {
  const dir = mkdtempSync(join(tmpdir(), 'check-nginx-'));
  try {
    copyFileSync(join(nginxDir, 'nginx.conf'), join(dir, 'nginx.conf'));
    copyFileSync(join(nginxDir, 'listen.compose.conf'), join(dir, 'listen.conf'));
    const upstreams = readFileSync(join(nginxDir, 'upstreams.compose.conf'), 'utf8').replace(/^(\s*server\s+)[a-z0-9-]+:/gm, '$1127.0.0.1:');
    writeFileSync(join(dir, 'upstreams.conf'), upstreams);
    mkdirSync(join(dir, 'push.d'));
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `${k}_temp_path ${join(dir, `${k}_temp`)};`);
    writeFileSync(join(dir, 'push.d', 'temp-paths.conf'), `${temp.join('\n')}\n`);
    const user = process.getuid?.() === 0 ? ' user root;' : '';
    const nginx = ['nginx', '/usr/sbin/nginx'].find((bin) => !run(bin, ['-v']).missing);
    if (nginx === undefined) {
      problem('deploy/nginx', 'nginx is not installed (apt-get install -y nginx)');
      return;
    }
    const res = run(nginx, ['-t', '-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', 'stderr', '-g', `pid ${join(dir, 'nginx.pid')};${user}`], join(dir, 'stdout.log'));
    if (res.status !== 0) problem('deploy/nginx/nginx.conf', `nginx -t failed:\n${res.output}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let count = 0;
await timed('k8s', async () => {
  count = await checkKubernetes();
});
await timed('compose', async () => checkCompose());
await timed('nginx', async () => checkNginx());

if (problems.length > 0) {
  console.error(`check:deploy: ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
console.log(`check:deploy: ok — ${count} Kubernetes objects in ${basename(k8sDir)}/, docker-compose.yml, nginx.conf (${timings.join(', ')})`);
