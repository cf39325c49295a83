import { DomainError, newToken } from '@push/domain';
import { parseHello, parseHelloSince } from './hello.parser';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof DomainError ? err.code : 'other';
  }
  return undefined;
}

describe('parseHello', () => {
  const token = newToken();

  it('reads the seed form', () => {
    expect(parseHello(`token: ${token}`)).toEqual({ token, since: undefined, json: false });
    expect(parseHello(`token:${token}\n`)).toEqual({ token, since: undefined, json: false });
  });

  it('reads the JSON form with and without since', () => {
    expect(parseHello(JSON.stringify({ token }))).toEqual({ token, since: undefined, json: true });
    expect(parseHello(JSON.stringify({ token, since: '1-0' }))).toEqual({ token, since: '1-0', json: true });
  });

  it.each([
    ['an empty frame', ''],
    ['a bare token', token],
    ['a short token', 'token: abc'],
    ['a number token', JSON.stringify({ token: 5 })],
    ['broken JSON', '{"token":'],
    ['a JSON array', '[1]'],
    ['a missing token', JSON.stringify({ since: '1-0' })],
  ])('refuses %s as unauthenticated', (_why, text) => {
    expect(codeOf(() => parseHello(text))).toBe('unauthenticated');
  });
});

describe('parseHelloSince', () => {
  it('accepts absence, keys and timestamps', () => {
    expect(parseHelloSince(undefined)).toBeNull();
    expect(parseHelloSince(null)).toBeNull();
    expect(parseHelloSince('1764260000123-0')).toMatchObject({ kind: 'key' });
    expect(parseHelloSince('1764260000.5')).toMatchObject({ kind: 'timestamp' });
  });

  it.each([['garbage', 'yesterday'], ['a number', 5], ['an object', {}], ['empty', '']])('refuses %s as invalid input', (_why, since) => {
    expect(codeOf(() => parseHelloSince(since))).toBe('invalid_input');
  });
});
