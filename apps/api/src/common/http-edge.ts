import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Refusals that happen before a request reaches Nest (so before ApiExceptionFilter): malformed HTTP
 * (Node's parser), a URL that does not decode, an over-long path segment. Fastify's defaults answer
 * them in another JSON shape ("Client Error", or a message echoing the whole path, push URL id
 * included); these answer in the one error shape with a message that names what is wrong.
 */

/** The content type of every JSON answer. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** The one error body: `{"statusCode", "error", "message"}`. */
export function errorJson(status: number, message: string): string {
  return JSON.stringify({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message });
}

/** Longest request line still blamed on the headers rather than the URL when Node's header limit is hit. */
const LONGEST_REQUEST_LINE_BYTES = 8 * 1024;

/** Why Node's HTTP parser refused a request, by its error code. */
const PARSER_MESSAGES: Readonly<Record<string, string>> = {
  HPE_INVALID_CHUNK_SIZE: 'chunked body is malformed',
  HPE_INVALID_CONTENT_LENGTH: 'content-length is not valid, or is sent with transfer-encoding',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'content-length and transfer-encoding must not both be sent',
  HPE_INVALID_TRANSFER_ENCODING: 'transfer-encoding is not supported',
  HPE_INVALID_HEADER_TOKEN: 'a header name or value has a character HTTP does not allow',
  HPE_INVALID_METHOD: 'the request method is not valid',
  HPE_INVALID_URL: 'the URL is not valid',
  HPE_INVALID_VERSION: 'the HTTP version is not valid',
  HPE_LF_EXPECTED: 'a line does not end with CRLF',
  HPE_CR_EXPECTED: 'a line does not end with CRLF',
};

/** What an error from Node's parser carries. */
interface ParserError extends Error {
  readonly code?: string;
  /** The bytes being parsed when it failed (a Buffer at run time, whatever the typings say). */
  readonly rawPacket?: unknown;
}

/** The status and message of a request Node's parser refused. */
export function clientErrorAnswer(err: ParserError): { status: number; message: string } {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, message: 'the request was not received in time' };
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    const raw = err.rawPacket;
    const lineEnd = Buffer.isBuffer(raw) ? raw.indexOf('\r\n') : 0;
    if (lineEnd === -1 || lineEnd > LONGEST_REQUEST_LINE_BYTES) return { status: 414, message: 'URL is too long' };
    return { status: 431, message: 'request headers are too large (too many or too long)' };
  }
  return { status: 400, message: `malformed HTTP request: ${PARSER_MESSAGES[err.code ?? ''] ?? 'it does not parse'}` };
}

/** Fastify's clientErrorHandler: answers what Node's parser refused, then drops the connection (it cannot be read further). */
export function clientErrorHandler(err: ParserError, socket: Duplex): void {
  // a reset connection has nobody to answer
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message } = clientErrorAnswer(err);
  const body = errorJson(status, message);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Fastify's frameworkErrors: a path that does not decode, or a path segment over the router's limit. */
export function frameworkErrors(err: Error & { code?: string }, _req: FastifyRequest, reply: FastifyReply): void {
  const [status, message] =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? [414, 'a URL path segment is too long']
      : err.code === 'FST_ERR_BAD_URL'
        ? [400, 'URL path is not valid: bad percent-encoding']
        : [400, 'URL is not valid'];
  void reply.status(status).type(JSON_CONTENT_TYPE).send(errorJson(status, message));
}
