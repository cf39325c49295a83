import type { ServerOptions } from 'node:http';
import type { PushConfig } from './config.schema';

/** Node checks the headers and request timeouts only this often (30 s by default), so slow clients would outlive them. */
export function connectionsCheckingIntervalMs(config: Pick<PushConfig, 'httpHeadersTimeoutMs' | 'httpRequestTimeoutMs'>): number {
  const shortest = Math.min(...[config.httpHeadersTimeoutMs, config.httpRequestTimeoutMs].filter((ms) => ms > 0), 4_000);
  return Math.max(100, Math.floor(shortest / 4));
}

/**
 * Options of the api's and the gateway's HTTP server: a client that sends its headers or its request
 * too slowly (slowloris) is answered 408 and cut off, an idle keep-alive connection is closed. Upgraded
 * WebSockets leave the server's bookkeeping at the upgrade, so these never touch a live socket.
 */
export function httpServerOptions(config: PushConfig): ServerOptions {
  return {
    headersTimeout: config.httpHeadersTimeoutMs,
    requestTimeout: config.httpRequestTimeoutMs,
    keepAliveTimeout: config.httpKeepAliveTimeoutMs,
    connectionsCheckingInterval: connectionsCheckingIntervalMs(config),
  };
}
