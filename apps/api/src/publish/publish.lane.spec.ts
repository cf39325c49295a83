import type { IncomingHttpHeaders } from 'node:http';
import { lanePublishId } from './publish.lane';

const ID = 'GWkWJE5Eg_Zkn_lkaVD2NEnd9mVWuxS_mEgXKA7hRpzWzxCJlbfh2iFkTCM';
const JSON_BODY: IncomingHttpHeaders = { 'content-type': 'application/json', 'content-length': '20' };

describe('lanePublishId', () => {
  it('takes a plain JSON publish, with or without the trailing slash and charset', () => {
    expect(lanePublishId('POST', `/queue/${ID}/`, JSON_BODY, false)).toBe(ID);
    expect(lanePublishId('POST', `/queue/${ID}`, JSON_BODY, false)).toBe(ID);
    expect(lanePublishId('POST', `/queue/${ID}/`, { ...JSON_BODY, 'content-type': 'application/json; charset=UTF-8' }, false)).toBe(ID);
    expect(lanePublishId('POST', `/queue/${ID}/`, { ...JSON_BODY, 'content-encoding': 'identity' }, false)).toBe(ID);
  });

  it.each<[string, string, string, IncomingHttpHeaders, boolean]>([
    ['another method', 'PUT', `/queue/${ID}/`, JSON_BODY, false],
    ['a user queue id (read markers)', 'POST', '/queue/0123456789abcdef0123456789abcdef/', JSON_BODY, false],
    ['a query string', 'POST', `/queue/${ID}/?action=read`, JSON_BODY, false],
    ['a percent-encoded id', 'POST', `/queue/${ID}%41/`, JSON_BODY, false],
    ['an id over the router limit', 'POST', `/queue/${'a'.repeat(101)}/`, JSON_BODY, false],
    ['another path', 'POST', `/queue/${ID}/x`, JSON_BODY, false],
    ['a form body', 'POST', `/queue/${ID}/`, { ...JSON_BODY, 'content-type': 'application/x-www-form-urlencoded' }, false],
    ['another charset', 'POST', `/queue/${ID}/`, { ...JSON_BODY, 'content-type': 'application/json; charset=utf-16' }, false],
    ['no content type', 'POST', `/queue/${ID}/`, { 'content-length': '20' }, false],
    ['no length (chunked)', 'POST', `/queue/${ID}/`, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, false],
    ['an empty body', 'POST', `/queue/${ID}/`, { ...JSON_BODY, 'content-length': '0' }, false],
    ['a body over the limit', 'POST', `/queue/${ID}/`, { ...JSON_BODY, 'content-length': String(64 * 1024 + 1) }, false],
    ['a compressed body', 'POST', `/queue/${ID}/`, { ...JSON_BODY, 'content-encoding': 'gzip' }, false],
    ['an Origin (CORS)', 'POST', `/queue/${ID}/`, { ...JSON_BODY, origin: 'https://example.com' }, false],
    ['X-Forwarded-Proto when the proxy decides the scheme', 'POST', `/queue/${ID}/`, { ...JSON_BODY, 'x-forwarded-proto': 'https' }, true],
  ])('leaves %s to Fastify', (_what, method, url, headers, schemeFromProxy) => {
    expect(lanePublishId(method, url, headers, schemeFromProxy)).toBeNull();
  });

  it('ignores X-Forwarded-Proto when PUBLIC_URL or no trusted proxy fixes the scheme', () => {
    expect(lanePublishId('POST', `/queue/${ID}/`, { ...JSON_BODY, 'x-forwarded-proto': 'https' }, false)).toBe(ID);
  });
});
