import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { asRecord } from './input-validation';

const BEARER_RE = /^Bearer[ \t]+([^ \t]+)[ \t]*$/i;

/** Where a client's token may come from, in order: X-Auth-Token, Authorization: Bearer, a `token` body field, a `token` query parameter. */
export function tokenOf(req: Pick<FastifyRequest, 'headers' | 'body' | 'query'>): string | undefined {
  const header = req.headers['x-auth-token'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const authorization = req.headers.authorization;
  const bearer = typeof authorization === 'string' ? BEARER_RE.exec(authorization) : null;
  if (bearer) return bearer[1];
  const fromBody = asRecord(req.body).token;
  if (typeof fromBody === 'string' && fromBody !== '') return fromBody;
  const fromQuery = asRecord(req.query).token;
  if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  return undefined;
}

/** The request's token as sent (not yet checked), or undefined. */
export const AuthToken = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined =>
  tokenOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
