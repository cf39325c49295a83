import type { Level } from 'pino';
import { loggableHeaders, redactUrl, requestIdOf, requestLogger, requestLogLevel } from './json-logger';

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
    expect(requestLogLevel(500, '/token/')).toBe('error');
    expect(requestLogLevel(404, '/queue/x/')).toBe('info');
    expect(requestLogLevel(429, '/queue/x/')).toBe('debug');
    expect(requestLogLevel(503, '/queue/x/')).toBe('debug');
    expect(requestLogLevel(200, '/queue/x/')).toBe('debug');
    expect(requestLogLevel(200, '/readyz')).toBe('trace');
    expect(requestLogLevel(200, '/metrics?x=1')).toBe('trace');
  });

  /** A pino stand-in at `info` that records what is written. */
  function recorder(): { root: Parameters<typeof requestLogger>[0]; lines: { level: Level; obj: unknown; msg: string }[] } {
    const lines: { level: Level; obj: unknown; msg: string }[] = [];
    const enabled = new Set<Level>(['fatal', 'error', 'warn', 'info']);
    const write = (level: Level) => (obj: unknown, msg: string) => void lines.push({ level, obj, msg });
    const root = {
      isLevelEnabled: (l: string) => enabled.has(l as Level),
      fatal: write('fatal'),
      error: write('error'),
      warn: write('warn'),
      info: write('info'),
      debug: write('debug'),
      trace: write('trace'),
    } as unknown as Parameters<typeof requestLogger>[0];
    return { root, lines };
  }

  it('writes a request line without token, query or queue id, and none for a success at info', () => {
    const { root, lines } = recorder();
    const log = requestLogger(root);
    const req = { id: 'r1', method: 'POST', url: '/queue/SECRETID/?token=SECRETTOKEN', headers: { 'x-auth-token': 'SECRETTOKEN', host: 'h' } };
    log(req, 200, 1.5);
    expect(lines).toEqual([]);
    log(req, 404, 1.5);
    expect(lines).toEqual([
      {
        level: 'info',
        msg: 'request completed',
        obj: { requestId: 'r1', req: { method: 'POST', url: '/queue/:id/', headers: { 'x-auth-token': '[Redacted]', host: 'h' } }, res: { statusCode: 404 }, responseTime: 1.5 },
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain('SECRET');
  });
});
