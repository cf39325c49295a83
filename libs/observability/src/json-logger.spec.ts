import { loggableHeaders, loggerParams, redactUrl, requestIdOf, requestLogLevel } from './json-logger';

describe('JSON logs', () => {
  it('logs a URL without its query and without queue ids', () => {
    expect(redactUrl('/queue/abc_DEF-123/?token=secret')).toBe('/queue/:id/');
    expect(redactUrl('/queue/0123456789abcdef0123456789abcdef/?since=1-0&limit=5')).toBe('/queue/:id/');
    expect(redactUrl('/queue/?token=secret')).toBe('/queue/');
    expect(redactUrl('/token/')).toBe('/token/');
    expect(redactUrl(undefined)).toBe('');
  });

  it('keeps an incoming X-Request-Id that looks like an id, else makes one', () => {
    expect(requestIdOf({ 'x-request-id': 'abc-123' })).toBe('abc-123');
    expect(requestIdOf({})).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf({ 'x-request-id': 'has space' })).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf({ 'x-request-id': 'x'.repeat(129) })).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('redacts the headers that carry a token', () => {
    expect(loggableHeaders({ 'x-auth-token': 't', authorization: 'Bearer t', cookie: 'c=t', 'user-agent': 'ua' })).toEqual({
      'x-auth-token': '[Redacted]',
      authorization: '[Redacted]',
      cookie: '[Redacted]',
      'user-agent': 'ua',
    });
  });

  it('logs failures, client errors at info, and successes, 429 and 503 below the default level', () => {
    expect(requestLogLevel(500, false, '/token/')).toBe('error');
    expect(requestLogLevel(404, false, '/queue/x/')).toBe('info');
    expect(requestLogLevel(429, false, '/queue/x/')).toBe('debug');
    expect(requestLogLevel(503, false, '/queue/x/')).toBe('debug');
    expect(requestLogLevel(200, false, '/queue/x/')).toBe('debug');
    expect(requestLogLevel(200, false, '/readyz')).toBe('trace');
    expect(requestLogLevel(200, false, '/metrics')).toBe('trace');
  });

  it('serialises a request without token, query or queue id', () => {
    const pinoHttp = loggerParams('api', 'host-1', 'log').pinoHttp as { serializers: { req: (r: unknown) => unknown } };
    const line = JSON.stringify(
      pinoHttp.serializers.req({
        id: 'r1',
        method: 'POST',
        url: '/',
        originalUrl: '/queue/SECRETID/?token=SECRETTOKEN',
        headers: { 'x-auth-token': 'SECRETTOKEN', host: 'h' },
      }),
    );
    expect(line).not.toContain('SECRET');
    expect(line).toContain('/queue/:id/');
  });
});
