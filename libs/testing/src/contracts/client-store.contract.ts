import { ClientStore, hashToken, newToken, newUserQueueId } from '@push/domain';

/** One setup of the ClientStore port. */
export interface ClientStoreFixture {
  readonly clients: ClientStore;
  close(): Promise<void>;
}

/** Builds a fresh, empty fixture. */
export type ClientStoreFactory = () => Promise<ClientStoreFixture>;

/** The ClientStore contract: token hash → user queue, written once, never overwritten. */
export function clientStoreContract(name: string, factory: ClientStoreFactory): void {
  describe(`ClientStore contract: ${name}`, () => {
    let fx: ClientStoreFixture;

    beforeEach(async () => {
      fx = await factory();
    });
    afterEach(() => fx.close());

    it('finds the user queue of a created client by its token hash', async () => {
      const hash = hashToken(newToken());
      const uq = newUserQueueId();
      await fx.clients.createClient(hash, uq);
      expect(await fx.clients.findUserQueue(hash)).toBe(uq);
    });

    it('finds nothing for an unknown token hash', async () => {
      expect(await fx.clients.findUserQueue(hashToken(newToken()))).toBeNull();
    });

    it('keeps clients apart', async () => {
      const clients = Array.from({ length: 5 }, () => ({ hash: hashToken(newToken()), uq: newUserQueueId() }));
      await Promise.all(clients.map((c) => fx.clients.createClient(c.hash, c.uq)));
      for (const c of clients) expect(await fx.clients.findUserQueue(c.hash)).toBe(c.uq);
    });

    it('refuses to overwrite an existing token hash, and keeps the first user queue', async () => {
      const hash = hashToken(newToken());
      const first = newUserQueueId();
      await fx.clients.createClient(hash, first);
      await expect(fx.clients.createClient(hash, newUserQueueId())).rejects.toThrow();
      expect(await fx.clients.findUserQueue(hash)).toBe(first);
    });
  });
}
