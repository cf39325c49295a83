/**
 * Helpers of the property-based e2e tests: the run count, a keep-alive HTTP client that sends exactly
 * the bytes it is given (no fetch normalisation), a raw-socket client for what no HTTP client would
 * send, and the checks every answer must pass.
 */
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';

/** Runs per property: PROPERTY_RUNS, else a count that keeps a file well under 90 s on a busy machine. */
export function propertyRuns(fallback: number): number {
  const raw = process.env.PROPERTY_RUNS;
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`PROPERTY_RUNS must be a positive integer, got "${raw}"`);
  return n;
}

/** The fixed seed of every property (a failure prints its path; rerun with the same seed to replay it). */
export const PROPERTY_SEED = 42;

/** One HTTP request exactly as sent. */
export interface RawRequest {
  readonly method: string;
  /** Path and query, already encoded (may hold deliberately bad percent-encoding). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

/** One answer. */
export interface RawAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/** A keep-alive HTTP/1.1 client of one port. */
export class KeepAliveClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });

  constructor(readonly port: number) {}

  send(req: RawRequest): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = String(req.body.length);
      const r = request({ host: '127.0.0.1', port: this.port, method: req.method, path: req.path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      r.on('error', reject);
      r.setTimeout(15_000, () => r.destroy(new Error(`no answer within 15 s to ${req.method} ${req.path.slice(0, 200)}`)));
      r.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The first answer to raw bytes on a fresh connection: its status line's code and body, or null when the server closed without one. */
export function sendRaw(port: number, bytes: Buffer, opts: { endAfterWrite?: boolean; timeoutMs?: number } = {}): Promise<{ status: number | null; text: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const all = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(all);
      const bodyAt = all.indexOf('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : null, text: bodyAt >= 0 ? Buffer.from(all.slice(bodyAt + 4), 'latin1').toString('utf8') : '' });
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // one answer is enough; with Connection: close the server ends the socket itself
    });
    socket.on('end', finish);
    socket.on('close', finish);
    // the server may answer and close while we still write (a refused header flood): the answer counts
    socket.on('error', finish);
    socket.setTimeout(opts.timeoutMs ?? 15_000, finish);
    socket.write(bytes, () => {
      if (opts.endAfterWrite) socket.end();
    });
  });
}

/** Builds a raw HTTP/1.1 request (latin1: every byte as given). */
export function rawRequest(method: string, path: string, headers: Record<string, string> | [string, string][], body?: Buffer | string): Buffer {
  const list = Array.isArray(headers) ? headers : Object.entries(headers);
  const bodyBytes = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
  const hasLength = list.some(([k]) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding');
  const head =
    `${method} ${path} HTTP/1.1\r\n` +
    list.map(([k, v]) => `${k}: ${v}\r\n`).join('') +
    (body !== undefined && !hasLength ? `Content-Length: ${bodyBytes.length}\r\n` : '') +
    'Connection: close\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), bodyBytes]);
}

/** Words an error message names a field or a part of the request with. */
const FIELD_WORDS =
  /\b(title|body|actionUrl|replaceId|domain|action|key|timestamp|since|limit|token|Host|content-length|content-type|content-encoding|URL|request|header|headers|chunked)\b/;

/** The one error shape, with a message naming what is wrong for a 400. */
export function errorShapeProblem(answer: RawAnswer | { status: number | null; text: string; contentType?: string }): string | null {
  if ('contentType' in answer && answer.contentType !== undefined && !/^application\/json/.test(answer.contentType)) {
    return `content-type ${answer.contentType}`;
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `not JSON: ${answer.text.slice(0, 200)}`;
  }
  if (typeof body !== 'object' || body === null) return `not an object: ${answer.text.slice(0, 200)}`;
  const b = body as Record<string, unknown>;
  if (b.statusCode !== answer.status || typeof b.error !== 'string' || typeof b.message !== 'string') return `not the error shape: ${answer.text.slice(0, 300)}`;
  if (answer.status === 400 && !FIELD_WORDS.test(b.message)) return `a 400 naming no field: ${b.message}`;
  return null;
}

/** Printable ASCII (what an HTTP client may put in a header value). */
export const printable = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

/** Escapes that do not decode (bad hex, truncated, not UTF-8): a URL may carry them raw. */
export const BAD_ESCAPES = ['%', '%zz', '%f', '%ff%fe', '%c3', '%e2%82', '%ed%a0%80', '%00', '%c0%af'] as const;
