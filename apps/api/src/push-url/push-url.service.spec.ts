import { DomainError, PushUrlCodec } from '@push/domain';
import { InMemoryClientStore, InMemoryPushUrlStore } from '@push/testing';
import { QueueUrls } from '../common/queue-urls';
import { TokenService } from '../token/token.service';
import { PushUrlService } from './push-url.service';

const urls = new QueueUrls('https://push.test');
const idOf = (url: string): string => url.slice('https://push.test/queue/'.length, -1);

async function setup() {
  const tokens = new TokenService(new InMemoryClientStore());
  const codec = new PushUrlCodec('s'.repeat(32));
  const service = new PushUrlService(tokens, new InMemoryPushUrlStore(), codec);
  return { service, codec, alice: await tokens.createClient(), bob: await tokens.createClient() };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => null, (e: unknown) => e);
  return err instanceof DomainError ? err.code : `not a DomainError: ${String(err)}`;
}

describe('PushUrlService', () => {
  it('returns the same push URL for the same domain until it is revoked', async () => {
    const { service, alice } = await setup();
    const first = await service.create(alice.token, 'Example.COM', urls);
    expect(await service.create(alice.token, 'example.com', urls)).toBe(first);
    await service.revoke(alice.token, idOf(first), urls);
    expect(await service.create(alice.token, 'example.com', urls)).not.toBe(first);
  });

  it('gives unlinkable push URLs to two domains, both sealing the user queue', async () => {
    const { service, codec, alice } = await setup();
    const a = idOf(await service.create(alice.token, 'a.test', urls));
    const b = idOf(await service.create(alice.token, 'b.test:8443', urls));
    expect(a).not.toBe(b);
    expect(a).not.toContain(alice.userQueueId);
    expect(codec.open(a)).toBe(alice.userQueueId);
    expect(codec.open(b)).toBe(alice.userQueueId);
  });

  it('lists the token\'s live push URLs by domain', async () => {
    const { service, alice, bob } = await setup();
    const a = await service.create(alice.token, 'a.test', urls);
    await service.create(bob.token, 'b.test', urls);
    expect(await service.list(alice.token, urls)).toEqual({ 'a.test': a });
  });

  it('refuses a bad domain and an unknown token', async () => {
    const { service, alice } = await setup();
    expect(await codeOf(service.create(alice.token, 'not a domain', urls))).toBe('invalid_input');
    expect(await codeOf(service.create(alice.token, 'a.test:99999', urls))).toBe('invalid_input');
    expect(await codeOf(service.create('x'.repeat(43), 'a.test', urls))).toBe('unauthenticated');
    expect(await codeOf(service.list(undefined, urls))).toBe('unauthenticated');
  });

  it('revokes only the token\'s own push URLs: others, unknown, tampered and revoked ones are not found', async () => {
    const { service, alice, bob } = await setup();
    const id = idOf(await service.create(alice.token, 'a.test', urls));
    expect(await codeOf(service.revoke(bob.token, id, urls))).toBe('not_found');
    const tampered = `${id.slice(0, 20)}${id[20] === 'A' ? 'B' : 'A'}${id.slice(21)}`;
    expect(await codeOf(service.revoke(alice.token, tampered, urls))).toBe('not_found');
    expect(await codeOf(service.revoke(alice.token, 'nope', urls))).toBe('not_found');
    await expect(service.revoke(alice.token, id, urls)).resolves.toBe(`https://push.test/queue/${id}/`);
    expect(await codeOf(service.revoke(alice.token, id, urls))).toBe('not_found');
  });

  it('forbids deleting a user queue', async () => {
    const { service, alice } = await setup();
    expect(await codeOf(service.revoke(alice.token, alice.userQueueId, urls))).toBe('forbidden');
  });

  it('tells push URL ids from other ids without storage', async () => {
    const { service, alice } = await setup();
    expect(service.isPushUrlId(idOf(await service.create(alice.token, 'a.test', urls)))).toBe(true);
    expect(service.isPushUrlId('nope')).toBe(false);
  });
});
