import { invalid, isTokenShaped, parseSince, Since, unauthenticated } from '@push/domain';

/** The first frame of a connection, parsed once at the edge. */
export interface Hello {
  readonly token: string;
  /** The raw `since` member of a JSON hello (validated only after the token, see parseHelloSince). */
  readonly since: unknown;
  /** True for the JSON form: the client gets control frames; the seed form gets message frames only. */
  readonly json: boolean;
}

const SEED_HELLO_RE = /^token:[ \t]*(\S+)\s*$/;

/**
 * Reads the seed form `token: <token>` or JSON `{"token": "...", "since": "..."}`.
 * Throws unauthenticated when the frame names no well-formed token (close 4401).
 */
export function parseHello(text: string): Hello {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      throw unauthenticated('hello is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw unauthenticated('hello must be a JSON object');
    const { token, since } = value as { token?: unknown; since?: unknown };
    if (typeof token !== 'string' || !isTokenShaped(token)) throw unauthenticated('token must be a token string');
    return { token, since, json: true };
  }
  const m = SEED_HELLO_RE.exec(trimmed);
  if (!m || !isTokenShaped(m[1])) throw unauthenticated('first frame must be "token: <token>" or {"token": "<token>"}');
  return { token: m[1], since: undefined, json: false };
}

/** The hello's since, or null when absent; throws invalid_input (close 4400) when malformed. */
export function parseHelloSince(since: unknown): Since | null {
  if (since === undefined || since === null) return null;
  if (typeof since !== 'string') throw invalid('since', 'must be a string: a message key (<ms>-<seq>) or a timestamp');
  return parseSince(since);
}
