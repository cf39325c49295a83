import { newUserQueueId, PushUrlCodec, PushUrlStore } from '@push/domain';

/** One setup of the PushUrlStore port. */
export interface PushUrlStoreFixture {
  readonly pushUrls: PushUrlStore;
  close(): Promise<void>;
}

/** Builds a fresh, empty fixture. */
export type PushUrlStoreFactory = () => Promise<PushUrlStoreFixture>;

const codec = new PushUrlCodec('contract-suite-secret-of-at-least-32-chars');

/** The PushUrlStore contract: one live push URL per (user queue, domain), listed by domain, revocable. */
export function pushUrlStoreContract(name: string, factory: PushUrlStoreFactory): void {
  describe(`PushUrlStore contract: ${name}`, () => {
    let fx: PushUrlStoreFixture;
    let store: PushUrlStore;

    beforeEach(async () => {
      fx = await factory();
      store = fx.pushUrls;
    });
    afterEach(() => fx.close());

    it('findOrCreate takes the candidate when the domain has no push URL', async () => {
      const uq = newUserQueueId();
      const id = codec.seal(uq);
      expect(await store.findOrCreate(uq, 'example.com', id)).toBe(id);
    });

    it('findOrCreate is idempotent per domain: asking again returns the same id', async () => {
      const uq = newUserQueueId();
      const first = await store.findOrCreate(uq, 'example.com', codec.seal(uq));
      expect(await store.findOrCreate(uq, 'example.com', codec.seal(uq))).toBe(first);
      expect(await store.findOrCreate(uq, 'example.com', codec.seal(uq))).toBe(first);
      expect(await store.list(uq)).toEqual({ 'example.com': first });
    });

    it('findOrCreate settles concurrent requests for one domain on one id', async () => {
      const uq = newUserQueueId();
      const candidates = Array.from({ length: 20 }, () => codec.seal(uq));
      const ids = await Promise.all(candidates.map((c) => store.findOrCreate(uq, 'race.example', c)));
      expect(new Set(ids).size).toBe(1);
      expect(candidates).toContain(ids[0]);
      expect(await store.list(uq)).toEqual({ 'race.example': ids[0] });
    });

    it('gives each domain its own push URL, and each user queue its own', async () => {
      const a = newUserQueueId();
      const b = newUserQueueId();
      const a1 = await store.findOrCreate(a, 'one.example', codec.seal(a));
      const a2 = await store.findOrCreate(a, 'two.example:8443', codec.seal(a));
      const b1 = await store.findOrCreate(b, 'one.example', codec.seal(b));
      expect(new Set([a1, a2, b1]).size).toBe(3);
      expect(await store.list(a)).toEqual({ 'one.example': a1, 'two.example:8443': a2 });
      expect(await store.list(b)).toEqual({ 'one.example': b1 });
    });

    it('list is empty for a user queue without push URLs', async () => {
      expect(await store.list(newUserQueueId())).toEqual({});
    });

    it('revoke ends a push URL once: it leaves the list, and the domain gets a new one next time', async () => {
      const uq = newUserQueueId();
      const old = await store.findOrCreate(uq, 'example.com', codec.seal(uq));
      const kept = await store.findOrCreate(uq, 'kept.example', codec.seal(uq));
      expect(await store.revoke(uq, old)).toBe(true);
      expect(await store.revoke(uq, old)).toBe(false);
      expect(await store.list(uq)).toEqual({ 'kept.example': kept });
      const fresh = codec.seal(uq);
      expect(await store.findOrCreate(uq, 'example.com', fresh)).toBe(fresh);
      expect(await store.revoke(uq, old)).toBe(false);
      expect(await store.list(uq)).toEqual({ 'kept.example': kept, 'example.com': fresh });
    });

    it('revoke refuses an id that is not a live push URL of that user queue', async () => {
      const a = newUserQueueId();
      const b = newUserQueueId();
      const id = await store.findOrCreate(a, 'example.com', codec.seal(a));
      expect(await store.revoke(b, id)).toBe(false);
      expect(await store.revoke(a, codec.seal(a))).toBe(false);
      expect(await store.revoke(a, 'example.com')).toBe(false);
      expect(await store.list(a)).toEqual({ 'example.com': id });
    });
  });
}
