/**
 * Helpers of the SDK tests: the processes' environment, and a recorder of everything a PushConnection
 * reports. The SDK is imported as `@push/client` (jest maps it to libs/client/src/node.ts).
 */
import { ConnectionState, FetchLike, PushConnection, PushError, PushMessage, Notification } from '@push/client';
import { TEST_REDIS_URL, waitFor } from '@push/testing';
import WebSocket from 'ws';

/** The environment every process of one test file shares. */
export function baseEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KEY_PREFIX: prefix,
    REDIS_URL: TEST_REDIS_URL,
    PUSH_URL_SECRET: 'sdk-e2e-secret-sdk-e2e-secret-sdk-e2e-secret',
    MONITOR_PERIOD_MS: '1000',
    MONITOR_TIMEOUT_MS: '500',
    ...extra,
  };
}

/** Everything one connection emitted, in order. */
export class Recorder {
  readonly messages: PushMessage<Notification>[] = [];
  readonly reads: string[] = [];
  readonly errors: PushError[] = [];
  readonly states: ConnectionState[] = [];

  constructor(readonly conn: PushConnection) {
    conn.on('message', (m) => this.messages.push(m));
    conn.on('read', (r) => this.reads.push(r.key));
    conn.on('error', (e) => this.errors.push(e));
    conn.on('state', (s) => this.states.push(s));
  }

  get keys(): string[] {
    return this.messages.map((m) => m.key);
  }

  async waitState(state: ConnectionState, timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.conn.state === state, timeoutMs, `state ${state} (now ${this.conn.state}; errors: ${this.errors.map((e) => e.message).join(' | ')})`);
  }

  async waitMessages(n: number, timeoutMs = 15_000): Promise<void> {
    await waitFor(() => this.messages.length >= n, timeoutMs, `${n} messages (have ${this.messages.length})`);
  }
}

/** A `ws` WebSocket class that records every URL it is asked to open (one per attempt and node) and every hello sent. */
export function countingWebSocket(): { WebSocket: typeof WebSocket; urls: string[]; hellos: Array<{ token: string; since?: string }> } {
  const urls: string[] = [];
  const hellos: Array<{ token: string; since?: string }> = [];
  class CountingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url);
      urls.push(url);
    }

    override send(data: string): void {
      hellos.push(JSON.parse(data) as { token: string; since?: string });
      super.send(data);
    }
  }
  return { WebSocket: CountingWebSocket as typeof WebSocket, urls, hellos };
}

/** globalThis.fetch whose GET /nodes/ waits while the gate is closed: holds a reconnecting client offline. */
export function gatedFetch(): { fetch: FetchLike; close: () => void; open: () => void; waiting: () => number } {
  let gate: Promise<void> | null = null;
  let release: () => void = () => undefined;
  let waiting = 0;
  const fetch: FetchLike = async (url, init) => {
    if (gate !== null && url.endsWith('/nodes/')) {
      waiting += 1;
      await gate;
    }
    return globalThis.fetch(url, init);
  };
  return {
    fetch,
    close: () => {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    open: () => {
      gate = null;
      release();
    },
    waiting: () => waiting,
  };
}

/** globalThis.fetch that records `METHOD url` of every request. */
export function recordingFetch(): { fetch: FetchLike; requests: string[] } {
  const requests: string[] = [];
  const fetch: FetchLike = (url, init) => {
    requests.push(`${init?.method ?? 'GET'} ${url}`);
    return globalThis.fetch(url, init);
  };
  return { fetch, requests };
}
