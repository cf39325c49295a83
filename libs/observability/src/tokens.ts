/** Injection token of this process's prom-client Registry (default process metrics plus Push's own). */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/**
 * Injection token of the id that logs and metrics carry as `nodeId`: a gateway's node id (what
 * GET /nodes/, the hello frame and the reaper use), else `<hostname>-<pid>`.
 */
export const PROCESS_ID = Symbol('PROCESS_ID');

/** Which app a process runs; chooses its metrics and is logged as `app`. */
export type AppName = 'api' | 'gateway' | 'monitor';

/** Injection token of the AppName. */
export const APP_NAME = Symbol('APP_NAME');
