import { createHash } from 'node:crypto';
import { hashToken, isTokenShaped, isUserQueueId, newToken, newUserQueueId, PushUrlCodec } from './identity';

const SECRET = 'a-test-secret-that-is-at-least-32-characters';
const OTHER_SECRET = 'another-secret-that-is-at-least-32-characters';

describe('tokens', () => {
  it('are 43 base64url characters (256 bits) and all different', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => newToken()));
    expect(tokens.size).toBe(200);
    for (const t of tokens) {
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(isTokenShaped(t)).toBe(true);
      expect(Buffer.from(t, 'base64url')).toHaveLength(32);
    }
  });

  it.each(['', 'short', 'a'.repeat(42), 'a'.repeat(44), `${'a'.repeat(42)}=`, `${'a'.repeat(42)}+`, `${'a'.repeat(42)}/`, ` ${'a'.repeat(42)}`])(
    'recognises %p as not token-shaped',
    (t) => {
      expect(isTokenShaped(t)).toBe(false);
    },
  );

  it('are stored only as their hex SHA-256', () => {
    const t = newToken();
    expect(hashToken(t)).toBe(createHash('sha256').update(t).digest('hex'));
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(t)).toBe(hashToken(t));
    expect(hashToken(t)).not.toBe(hashToken(newToken()));
  });
});

describe('user queue ids', () => {
  it('are 32 lower-case hex characters (128 bits) and all different', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newUserQueueId()));
    expect(ids.size).toBe(200);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(isUserQueueId(id)).toBe(true);
    }
  });

  it.each(['', '0123456789abcdef0123456789abcde', '0123456789abcdef0123456789abcdef0', '0123456789ABCDEF0123456789ABCDEF', 'g123456789abcdef0123456789abcdef'])(
    'recognises %p as not a user queue id',
    (id) => {
      expect(isUserQueueId(id)).toBe(false);
    },
  );
});

describe('PushUrlCodec', () => {
  const codec = new PushUrlCodec(SECRET);
  const userQueueId = '0123456789abcdef0123456789abcdef';

  it('opens what it sealed', () => {
    for (let i = 0; i < 50; i++) {
      const uq = newUserQueueId();
      expect(codec.open(codec.seal(uq))).toBe(uq);
    }
  });

  it('opens with a second codec built from the same secret (every process derives the same key)', () => {
    expect(new PushUrlCodec(SECRET).open(codec.seal(userQueueId))).toBe(userQueueId);
  });

  it('gives a different, unlinkable id each time, none showing the user queue id', () => {
    const ids = Array.from({ length: 100 }, () => codec.seal(userQueueId));
    expect(new Set(ids).size).toBe(100);
    for (const id of ids) {
      expect(id).not.toContain(userQueueId);
      expect(Buffer.from(id, 'base64url').toString('hex')).not.toContain(userQueueId);
    }
  });

  it('makes URL-safe ids of 59 characters (nonce, 16 sealed bytes, tag: 44 bytes, so 128 bits of user queue id and 96 of nonce)', () => {
    const id = codec.seal(userQueueId);
    expect(id).toMatch(/^[A-Za-z0-9_-]{59}$/);
    expect(Buffer.from(id, 'base64url')).toHaveLength(44);
  });

  it('refuses an id with any one character changed', () => {
    const id = codec.seal(userQueueId);
    for (let i = 0; i < id.length; i++) {
      const swapped = id[i] === 'A' ? 'B' : 'A';
      const tampered = `${id.slice(0, i)}${swapped}${id.slice(i + 1)}`;
      // the last character carries only 4 significant bits: some swaps decode to the same bytes
      if (Buffer.from(tampered, 'base64url').equals(Buffer.from(id, 'base64url'))) continue;
      expect(codec.open(tampered)).toBeNull();
    }
  });

  it('refuses an id sealed under another secret', () => {
    expect(new PushUrlCodec(OTHER_SECRET).open(codec.seal(userQueueId))).toBeNull();
    expect(codec.open(new PushUrlCodec(OTHER_SECRET).seal(userQueueId))).toBeNull();
  });

  it.each(['', 'abc', 'x'.repeat(59), 'x'.repeat(58), 'x'.repeat(60), `${'A'.repeat(58)}=`, `${'A'.repeat(58)}+`, '0123456789abcdef0123456789abcdef'])(
    'refuses %p without throwing',
    (id) => {
      expect(codec.open(id)).toBeNull();
    },
  );

  it('refuses a truncated or extended id', () => {
    const id = codec.seal(userQueueId);
    expect(codec.open(id.slice(0, -1))).toBeNull();
    expect(codec.open(`${id}A`)).toBeNull();
  });
});

describe('PushUrlCodec cache', () => {
  it('opens a cached id to the same user queue and forgets the least recently opened first', () => {
    const codec = new PushUrlCodec('x'.repeat(32), 2);
    const a = codec.seal('a'.repeat(32));
    const b = codec.seal('b'.repeat(32));
    const c = codec.seal('c'.repeat(32));
    expect(codec.open(a)).toBe('a'.repeat(32));
    expect(codec.open(b)).toBe('b'.repeat(32));
    expect(codec.open(a)).toBe('a'.repeat(32));
    expect(codec.open(c)).toBe('c'.repeat(32));
    expect(codec.open(b)).toBe('b'.repeat(32));
    expect(codec.open(`${a.slice(0, -2)}AA`)).toBeNull();
  });

  it('with room for two, the id used last stays when a third comes', () => {
    const codec = new PushUrlCodec('x'.repeat(32), 2);
    const [a, b, c] = ['a', 'b', 'c'].map((x) => codec.seal(x.repeat(32)));
    for (const id of [a, b, a, c]) codec.open(id);
    const opened = (codec as unknown as { opened: Map<string, unknown> }).opened;
    expect([...opened.keys()].sort()).toEqual([a, c].sort());
  });

  it('keeps an id in use while others come and go', () => {
    const codec = new PushUrlCodec('x'.repeat(32), 4);
    const hot = codec.seal('a'.repeat(32));
    codec.open(hot);
    const opened = (codec as unknown as { opened: Map<string, unknown> }).opened;
    for (let i = 0; i < 50; i++) {
      codec.open(codec.seal(i.toString(16).padStart(32, '0')));
      codec.open(hot);
      expect(opened.has(hot)).toBe(true);
      expect(opened.size).toBeLessThanOrEqual(4);
    }
  });
});

describe('PushUrlCodec secrets at rest', () => {
  const codec = new PushUrlCodec('y'.repeat(32));
  const id = codec.seal('d'.repeat(32));

  it('digests an id one way, the same every time and per secret', () => {
    expect(codec.digest(id)).toBe(codec.digest(id));
    expect(codec.digest(id)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(codec.digest(id)).not.toBe(new PushUrlCodec('z'.repeat(32)).digest(id));
    expect(codec.open(id)).toBe('d'.repeat(32));
    // the cached digest (after open) is the computed one
    expect(codec.digest(id)).toBe(new PushUrlCodec('y'.repeat(32)).digest(id));
  });

  it('seals texts so that only the same secret opens them', () => {
    const url = `https://push.test/queue/${id}/`;
    const sealed = codec.sealText(url);
    expect(sealed).not.toContain(id);
    expect(codec.sealText(url)).not.toBe(sealed);
    expect(codec.openText(sealed)).toBe(url);
    expect(new PushUrlCodec('y'.repeat(32)).openText(sealed)).toBe(url);
    expect(new PushUrlCodec('z'.repeat(32)).openText(sealed)).toBeNull();
    expect(codec.openText('')).toBeNull();
    expect(codec.openText('not sealed at all')).toBeNull();
    expect(codec.openText(`${sealed.slice(0, -2)}AA`)).toBeNull();
  });

  it('remembers the sealing of a push URL with its opened id, per URL', () => {
    codec.open(id);
    const a = codec.sealPushUrl(id, 'https://a.test/queue/x/');
    expect(codec.sealPushUrl(id, 'https://a.test/queue/x/')).toBe(a);
    const b = codec.sealPushUrl(id, 'https://b.test/queue/x/');
    expect(b).not.toBe(a);
    expect(codec.openText(b)).toBe('https://b.test/queue/x/');
  });
});
