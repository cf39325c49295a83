import fastifyFormbody from '@fastify/formbody';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { invalid } from '@push/domain';
import { parse as parseQueryString } from 'node:querystring';
import secureJson from 'secure-json-parse';
import { errorJson, JSON_CONTENT_TYPE } from './http-edge';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './http-limits';

/** Strict UTF-8: a JSON body with bytes that are not UTF-8 is refused rather than stored with U+FFFD in it. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** `__proto__` and `constructor.prototype` keys are refused (a 400), never copied onto an object. */
const STRICT_JSON = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * A JSON request body as every route reads it: strict UTF-8, no prototype keys, a JSON object no more
 * than MAX_JSON_DEPTH levels deep; undefined when blank (no body). Throws invalid('body', ...) otherwise.
 * Used by Fastify's parser and by the publish lane (publish.lane.ts) alike.
 */
export function parseJsonBody(body: Buffer | string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = typeof body === 'string' ? body : UTF8.decode(body);
  } catch {
    throw invalid('body', 'is not valid UTF-8');
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, STRICT_JSON);
  } catch {
    throw invalid('body', 'is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('body', 'must be a JSON object');
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) throw invalid('body', `must not nest objects or arrays more than ${MAX_JSON_DEPTH} levels deep`);
  return value as Record<string, unknown>;
}

/** True when a request carries a body (a length above zero, or chunks). */
function hasBody(headers: { readonly 'content-length'?: string; readonly 'transfer-encoding'?: string }): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length.trim() !== '0');
}

/** True when a Content-Encoding header asks for a decoding the API does not do (anything but identity). */
export function isEncodedBody(contentEncoding: string | string[] | undefined): boolean {
  if (contentEncoding === undefined) return false;
  const codings = (Array.isArray(contentEncoding) ? contentEncoding.join(',') : contentEncoding).split(',').map((c) => c.trim().toLowerCase());
  return codings.some((c) => c !== '' && c !== 'identity');
}

/**
 * Request bodies: application/json and application/x-www-form-urlencoded only (Fastify answers 415 to
 * any other type, text/plain included), at most MAX_BODY_BYTES (413), never compressed (415: a gzip
 * body would otherwise be parsed as if it were plain). An empty body is no body, so that `POST /token/`
 * with a content type and nothing else works.
 */
export async function registerBodyParsers(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (req, reply, done) => {
    if (!hasBody(req.headers) || !isEncodedBody(req.headers['content-encoding'])) {
      done();
      return;
    }
    void reply
      .status(415)
      .header('accept-encoding', 'identity')
      .type(JSON_CONTENT_TYPE)
      .send(errorJson(415, 'content-encoding is not supported: send the body uncompressed'));
  });
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    let value: Record<string, unknown> | undefined;
    try {
      value = parseJsonBody(body);
    } catch (err: unknown) {
      done(err as Error, undefined);
      return;
    }
    done(null, value);
  });
  await app.register(fastifyFormbody, {
    // node's parser gives an object without a prototype; "__proto__" is dropped as JSON bodies refuse it
    parser: (text: string) => {
      const parsed = parseQueryString(text);
      delete parsed.__proto__;
      return parsed;
    },
  });
}
