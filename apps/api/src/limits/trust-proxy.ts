/**
 * Fastify's `trustProxy` for TRUST_PROXY reverse proxies: the socket's peer and the nearest `hops - 1`
 * X-Forwarded-For entries are trusted, so `request.ip` is what `clientAddress` (libs/domain) computes
 * for the gateway. false = the socket's address.
 */
export function trustProxyOption(hops: number): false | ((address: string, hop: number) => boolean) {
  return hops > 0 ? (_address: string, hop: number) => hop < hops : false;
}
