import { DomainError } from './errors';
import { assertActionUrl, MAX_NOTIFICATION_BYTES, normalizeDomain, normalizeNotification } from './notification.rules';

/** The JSON overhead of `{"title":""}`: a title of MAX - OVERHEAD single-byte characters fits exactly. */
const OVERHEAD = Buffer.byteLength('{"title":""}');

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}

describe('normalizeNotification', () => {
  it('keeps only the four fields, title first, and omits absent ones', () => {
    const input = { replaceId: 'r', actionUrl: 'https://example.com/a', body: 'hi', title: 'T', extra: 'dropped' };
    const { notification, json } = normalizeNotification(input);
    expect(json).toBe('{"title":"T","body":"hi","actionUrl":"https://example.com/a","replaceId":"r"}');
    expect(notification).toEqual({ title: 'T', body: 'hi', actionUrl: 'https://example.com/a', replaceId: 'r' });
    expect(normalizeNotification({ title: 'only' }).json).toBe('{"title":"only"}');
  });

  it('keeps an empty body (present but empty is not absent)', () => {
    expect(normalizeNotification({ title: 't', body: '' }).json).toBe('{"title":"t","body":""}');
  });

  it(`accepts exactly ${MAX_NOTIFICATION_BYTES} bytes of JSON and refuses one more with too_large`, () => {
    expect(MAX_NOTIFICATION_BYTES).toBe(4096);
    const fits = 'a'.repeat(MAX_NOTIFICATION_BYTES - OVERHEAD);
    expect(Buffer.byteLength(normalizeNotification({ title: fits }).json)).toBe(MAX_NOTIFICATION_BYTES);
    const err = refusal(() => normalizeNotification({ title: `${fits}a` }));
    expect(err.code).toBe('too_large');
    expect(err.message).toContain('4097 bytes');
    expect(err.message).toContain('4096');
  });

  it('measures UTF-8 bytes, not characters', () => {
    // "é" is two bytes: 2042 of them fill the cap while the string is only 2042 characters long
    const twoByte = 'é'.repeat((MAX_NOTIFICATION_BYTES - OVERHEAD) / 2);
    expect(normalizeNotification({ title: twoByte }).json).toHaveLength(OVERHEAD + twoByte.length);
    expect(refusal(() => normalizeNotification({ title: `${twoByte}a` })).code).toBe('too_large');
    // an emoji is four bytes (and two UTF-16 units)
    expect(() => normalizeNotification({ title: '🔔'.repeat((MAX_NOTIFICATION_BYTES - OVERHEAD) / 4) })).not.toThrow();
    expect(refusal(() => normalizeNotification({ title: '🔔'.repeat((MAX_NOTIFICATION_BYTES - OVERHEAD) / 4 + 1) })).code).toBe('too_large');
  });

  it('counts JSON escapes in the size', () => {
    // a quote becomes \" (two bytes) in the JSON
    const quotes = '"'.repeat((MAX_NOTIFICATION_BYTES - OVERHEAD) / 2);
    expect(() => normalizeNotification({ title: quotes })).not.toThrow();
    expect(refusal(() => normalizeNotification({ title: `${quotes}"` })).code).toBe('too_large');
  });

  it('counts every kept field in the size', () => {
    const half = 'b'.repeat(2100);
    expect(refusal(() => normalizeNotification({ title: 't', body: half, replaceId: half })).code).toBe('too_large');
  });

  it('checks actionUrl', () => {
    expect(refusal(() => normalizeNotification({ title: 't', actionUrl: 'javascript:alert(1)' }))).toMatchObject({
      code: 'invalid_input',
      field: 'actionUrl',
    });
  });
});

describe('assertActionUrl', () => {
  it.each(['http://example.com', 'https://example.com/a?b=c#d', 'HTTPS://EXAMPLE.COM/', 'https://[::1]:8443/x', 'http://localhost:3000/'])('accepts %p', (url) => {
    expect(() => assertActionUrl(url)).not.toThrow();
  });

  it.each(['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,<b>x</b>', 'ftp://example.com/', 'file:///etc/passwd', 'mailto:a@b.c', '/relative/path', 'example.com', '', 'http//missing-colon'])(
    'refuses %p naming the field',
    (url) => {
      const err = refusal(() => assertActionUrl(url));
      expect(err).toMatchObject({ code: 'invalid_input', field: 'actionUrl' });
      expect(err.message).toMatch(/^actionUrl /);
    },
  );
});

describe('normalizeDomain', () => {
  it.each([
    ['example.com', 'example.com'],
    ['Example.COM', 'example.com'],
    ['  example.com  ', 'example.com'],
    ['localhost', 'localhost'],
    ['localhost:8080', 'localhost:8080'],
    ['a.b.c.example.org:1', 'a.b.c.example.org:1'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['127.0.0.1:5001', '127.0.0.1:5001'],
    ['my-site.example:65535', 'my-site.example:65535'],
    [`${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`],
  ])('accepts %p as %p', (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each([
    '',
    '   ',
    'http://example.com',
    'example.com/path',
    'exa mple.com',
    '-bad.example',
    'bad-.example',
    'ex_ample.com',
    'example..com',
    '.example.com',
    'example.com.',
    'example.com:',
    'example.com:0',
    'example.com:65536',
    'example.com:123456',
    'user@example.com',
    `${'a'.repeat(64)}.com`,
    `${'a.'.repeat(130)}com`,
  ])('refuses %p with invalid_input on domain', (input) => {
    const err = refusal(() => normalizeDomain(input));
    expect(err).toMatchObject({ code: 'invalid_input', field: 'domain' });
    expect(err.message).toMatch(/^domain /);
  });
});
