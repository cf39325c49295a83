import { DomainError, hashToken, isTokenShaped, isUserQueueId } from '@push/domain';
import { InMemoryClientStore } from '@push/testing';
import { TokenService } from './token.service';

function setup() {
  const clients = new InMemoryClientStore();
  return { clients, tokens: new TokenService(clients) };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => null, (e: unknown) => e);
  return err instanceof DomainError ? err.code : `not a DomainError: ${String(err)}`;
}

describe('TokenService', () => {
  it('creates a client whose token is stored only as its hash', async () => {
    const { clients, tokens } = setup();
    const client = await tokens.createClient();
    expect(isTokenShaped(client.token)).toBe(true);
    expect(isUserQueueId(client.userQueueId)).toBe(true);
    expect(clients.tokenHashes()).toEqual([hashToken(client.token)]);
    expect(clients.tokenHashes()).not.toContain(client.token);
  });

  it('authenticates a known token to its user queue', async () => {
    const { tokens } = setup();
    const client = await tokens.createClient();
    await expect(tokens.authenticate(client.token)).resolves.toBe(client.userQueueId);
  });

  it('refuses a missing, malformed or unknown token as unauthenticated', async () => {
    const { tokens } = setup();
    await tokens.createClient();
    expect(await codeOf(tokens.authenticate(undefined))).toBe('unauthenticated');
    expect(await codeOf(tokens.authenticate('short'))).toBe('unauthenticated');
    expect(await codeOf(tokens.authenticate('A'.repeat(43)))).toBe('unauthenticated');
  });

  it('forbids a valid token on another user queue', async () => {
    const { tokens } = setup();
    const a = await tokens.createClient();
    const b = await tokens.createClient();
    await expect(tokens.authorize(a.token, a.userQueueId)).resolves.toBeUndefined();
    expect(await codeOf(tokens.authorize(a.token, b.userQueueId))).toBe('forbidden');
    expect(await codeOf(tokens.authorize(undefined, b.userQueueId))).toBe('unauthenticated');
  });
});
