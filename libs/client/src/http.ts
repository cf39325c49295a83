import { Notification, PushMessage, parseMessage } from './message.js';
import { PushError } from './push-error.js';

/** The part of a fetch Response the SDK reads. */
export interface ResponseLike {
  readonly status: number;
  text(): Promise<string>;
}

/** The part of fetch's RequestInit the SDK sends. */
export interface RequestInitLike {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A fetch function; the global `fetch` of browsers and Node fits. */
export type FetchLike = (url: string, init?: RequestInitLike) => Promise<ResponseLike>;

/** Options of the functions that make a request without a token. */
export interface RequestOptions {
  /** Default: globalThis.fetch. */
  fetch?: FetchLike;
}

/** globalThis.fetch, called through globalThis (a browser refuses a fetch detached from window). */
export function defaultFetch(): FetchLike {
  const g = globalThis as { fetch?: FetchLike };
  if (typeof g.fetch !== 'function') {
    throw new PushError('invalid_input', 'no fetch in this environment: pass options.fetch');
  }
  return (url, init) => (g.fetch as FetchLike)(url, init);
}

/** An absolute http: or https: URL, checked; `what` names it in the error. */
export function httpUrl(value: unknown, what: string): URL {
  if (typeof value !== 'string' || value === '') throw new PushError('invalid_input', `${what} is required`);
  let url: URL;
  try {
    url = new URL(value);
  } catch (err) {
    throw new PushError('invalid_input', `${what} must be an absolute http: or https: URL`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PushError('invalid_input', `${what} must be an http: or https: URL, not ${url.protocol}`);
  }
  return url;
}

/** The API's base URL without a trailing slash. */
export function apiBase(api: unknown): string {
  return httpUrl(api, 'api').href.replace(/\/+$/, '');
}

/** One request to the API. */
export interface ApiRequest<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  /** Names the call in errors; never the URL itself, since push URLs are capabilities. */
  what: string;
  token?: string;
  json?: Record<string, unknown>;
  /** Checks the decoded 200 answer; null means it is not the documented shape. */
  parse: (body: unknown) => T | null;
}

/** The `message` of an error answer `{statusCode, error, message}`, or the start of the text. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body === 'object' && body !== null) {
      const message = (body as { message?: unknown }).message;
      if (typeof message === 'string') return message;
      if (Array.isArray(message)) return message.join('; ');
    }
  } catch {
    // not JSON (a proxy's error page, say): its text is the best description there is
    return text.slice(0, 200) || 'no message';
  }
  return text.slice(0, 200) || 'no message';
}

/** Sends one request; resolves to the parsed answer or rejects with a PushError. */
export async function request<T>(fetch: FetchLike, req: ApiRequest<T>): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (req.token !== undefined) headers['x-auth-token'] = req.token;
  if (req.json !== undefined) headers['content-type'] = 'application/json';
  let res: ResponseLike;
  let text: string;
  try {
    res = await fetch(req.url, { method: req.method, headers, body: req.json === undefined ? undefined : JSON.stringify(req.json) });
    text = await res.text();
  } catch (err) {
    throw new PushError('network', `${req.what}: request failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (res.status < 200 || res.status > 299) {
    const code = res.status === 401 ? 'invalid_token' : 'http';
    throw new PushError(code, `${req.what}: ${res.status} ${serverMessage(text)}`, { status: res.status });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new PushError('protocol', `${req.what}: the answer is not JSON`, { status: res.status, cause: err });
  }
  const parsed = req.parse(body);
  if (parsed === null) throw new PushError('protocol', `${req.what}: unexpected answer ${text.slice(0, 200)}`, { status: res.status });
  return parsed;
}

const field = (body: unknown, name: string): unknown => (typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined);

/** Parses an answer that must be one string field. */
export function stringField(name: string): (body: unknown) => string | null {
  return (body) => {
    const v = field(body, name);
    return typeof v === 'string' ? v : null;
  };
}

/** A new client's credentials. */
export interface TokenGrant {
  /** The client's secret. */
  token: string;
  /** Its user queue URL (needed by PushClient). */
  queue: string;
}

/** POST /token/: a new client token and its user queue URL. */
export async function createToken(api: string, options: RequestOptions = {}): Promise<TokenGrant> {
  const base = apiBase(api);
  return request(options.fetch ?? defaultFetch(), {
    method: 'POST',
    url: `${base}/token/`,
    what: 'createToken',
    parse: (body) => {
      const token = field(body, 'token');
      const queue = field(body, 'queue');
      return typeof token === 'string' && typeof queue === 'string' ? { token, queue } : null;
    },
  });
}

/** Publishes a notification through a push URL (what a website does; needs no token). Resolves to the stored message. */
export async function publish(pushUrl: string, notification: Notification, options: RequestOptions = {}): Promise<PushMessage<Notification>> {
  const url = httpUrl(pushUrl, 'pushUrl').href;
  if (typeof notification !== 'object' || notification === null) throw new PushError('invalid_input', 'notification is required');
  if (typeof notification.title !== 'string' || notification.title === '') {
    throw new PushError('invalid_input', 'notification.title is required');
  }
  const json: Record<string, unknown> = { title: notification.title };
  for (const name of ['body', 'actionUrl', 'replaceId'] as const) {
    const value = notification[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new PushError('invalid_input', `notification.${name} must be a string`);
    json[name] = value;
  }
  return request(options.fetch ?? defaultFetch(), {
    method: 'POST',
    url,
    what: 'publish',
    json,
    parse: (body) => {
      const m = parseMessage(body);
      return m !== null && 'title' in m.body ? (m as PushMessage<Notification>) : null;
    },
  });
}
