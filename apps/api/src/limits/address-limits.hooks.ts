import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RateLimitedError } from '@push/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorJson, JSON_CONTENT_TYPE } from '../common/http-edge';
import { HTTP_STATUS_OF } from '../common/error-status.table';
import { isPublishRequest } from '../publish/publish.route';
import { AddressLimits } from './address-limits.service';

/** Probes are answered whatever the address did, so a locked-out balancer address cannot take a node out of service. */
const UNLIMITED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

function refuse(reply: FastifyReply, err: RateLimitedError): void {
  const status = HTTP_STATUS_OF[err.code];
  void reply
    .status(status)
    .headers({ 'retry-after': String(err.retryAfterS) })
    .type(JSON_CONTENT_TYPE)
    .send(errorJson(status, err.message));
}

/**
 * The per address limits as Fastify hooks, so that a refused request costs no body parsing and no
 * Redis: a locked-out address gets 429 for everything, a publish takes from its address's bucket
 * first; every 401 or 404 answer counts as a failed attempt. `request.ip` honours TRUST_PROXY.
 */
export function registerAddressLimits(app: NestFastifyApplication): void {
  const limits = app.get(AddressLimits);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (UNLIMITED_PATHS.has(pathOf(req.url))) return done();
    const refusal = isPublishRequest(req.method, req.url) ? limits.admitPublish(req.ip) : limits.lockout(req.ip);
    if (refusal === null) return done();
    refuse(reply, refusal);
  });
  fastify.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    limits.answered(req.ip, reply.statusCode);
    done();
  });
}
