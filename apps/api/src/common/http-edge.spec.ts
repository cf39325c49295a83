import { clientErrorAnswer, errorJson } from './http-edge';
import { isEncodedBody } from './body-parsers';

const parserError = (code: string, rawPacket?: Buffer): Error & { code: string; rawPacket?: Buffer } => Object.assign(new Error(code), { code, rawPacket });

describe('refusals before Nest', () => {
  it('tells a too long URL (414) from too many or too long headers (431)', () => {
    expect(clientErrorAnswer(parserError('HPE_HEADER_OVERFLOW', Buffer.from(`GET /${'a'.repeat(20_000)}`))).status).toBe(414);
    expect(clientErrorAnswer(parserError('HPE_HEADER_OVERFLOW', Buffer.from(`GET / HTTP/1.1\r\n${'x-a: b\r\n'.repeat(3000)}`))).status).toBe(431);
  });

  it('names what is malformed, in the one error shape', () => {
    expect(clientErrorAnswer(parserError('HPE_INVALID_CHUNK_SIZE'))).toEqual({ status: 400, message: 'malformed HTTP request: chunked body is malformed' });
    expect(clientErrorAnswer(parserError('HPE_SOMETHING_NEW')).status).toBe(400);
    expect(clientErrorAnswer(parserError('ERR_HTTP_REQUEST_TIMEOUT')).status).toBe(408);
    expect(JSON.parse(errorJson(431, 'x'))).toEqual({ statusCode: 431, error: 'Request Header Fields Too Large', message: 'x' });
  });

  it('refuses every content coding but identity', () => {
    expect(isEncodedBody(undefined)).toBe(false);
    expect(isEncodedBody('identity')).toBe(false);
    expect(isEncodedBody(' Identity ')).toBe(false);
    expect(isEncodedBody('gzip')).toBe(true);
    expect(isEncodedBody('identity, br')).toBe(true);
    expect(isEncodedBody(['identity', 'deflate'])).toBe(true);
  });
});
