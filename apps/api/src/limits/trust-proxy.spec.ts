import { clientAddress } from '@push/domain';
import Fastify from 'fastify';
import { trustProxyOption } from './trust-proxy';

/** request.ip as Fastify computes it with our trustProxy option. */
async function ipSeenByFastify(hops: number, remoteAddress: string, forwardedFor?: string): Promise<string> {
  const app = Fastify({ trustProxy: trustProxyOption(hops) });
  app.get('/', async (req) => req.ip);
  try {
    const res = await app.inject({ method: 'GET', url: '/', remoteAddress, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });
    return res.body;
  } finally {
    await app.close();
  }
}

describe('trustProxyOption', () => {
  const cases: [hops: number, remote: string, xff: string | undefined][] = [
    [0, '10.0.0.1', '6.6.6.6'],
    [1, '10.0.0.1', '6.6.6.6, 203.0.113.7'],
    [1, '10.0.0.1', undefined],
    [2, '10.0.0.1', '6.6.6.6, 203.0.113.7, 10.0.0.2'],
    [3, '10.0.0.1', '203.0.113.7'],
  ];

  it.each(cases)('with %i trusted proxies, Fastify and the gateway agree on the client address (%s, %s)', async (hops, remote, xff) => {
    expect(await ipSeenByFastify(hops, remote, xff)).toBe(clientAddress(remote, xff, hops));
  });
});
