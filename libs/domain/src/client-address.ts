/**
 * Which address a request comes from, for the per-address limits. Behind `trustedProxies` reverse
 * proxies (nginx: 1) each proxy appended the address it saw to `X-Forwarded-For`, so the client is
 * that many entries from the right; anything further left was written by the client and is not
 * believed. This is Fastify's `trustProxy: <number>` rule, so the api and the gateway agree.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustedProxies: number): string {
  const direct = socketAddress ?? 'unknown';
  if (trustedProxies <= 0 || forwardedFor === undefined) return direct;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const hops = header
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  // nearest first: the socket's peer, then X-Forwarded-For from its right end
  const chain = [direct, ...hops.reverse()];
  return chain[Math.min(trustedProxies, chain.length - 1)];
}
