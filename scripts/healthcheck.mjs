// Container health check: GET /healthz of the app named by $APP on its configured port; exit 0 when it
// answers 200 within 2 s. Used by the Dockerfile's HEALTHCHECK and docker-compose.yml (no curl in the image).
const defaults = { api: ['API_PORT', 5001], gateway: ['GATEWAY_PORT', 8888], monitor: ['MONITOR_PORT', 5003] };
const app = process.env.APP ?? 'api';
const entry = defaults[app];
if (entry === undefined) {
  console.error(`healthcheck: unknown APP "${app}" (api, gateway or monitor)`);
  process.exit(2);
}
const port = process.env[entry[0]] || entry[1];
globalThis
  .fetch(`http://127.0.0.1:${port}/healthz`, { signal: globalThis.AbortSignal.timeout(2_000) })
  .then(
    (res) => process.exit(res.status === 200 ? 0 : 1),
    (err) => {
      console.error(`healthcheck: ${app} on port ${port}: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
