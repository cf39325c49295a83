import { EventEmitter } from 'node:events';
import { BadRequestException, HttpException, Logger, NotFoundException } from '@nestjs/common';
import { DomainError, DomainErrorCode, rateLimited } from '@push/domain';
import { ApiExceptionFilter } from './api-exception.filter';
import { HTTP_STATUS_OF } from './error-status.table';
import { MethodNotAllowedException } from './method-not-allowed.exception';
import { isRedisUnavailable, RedisOutage } from './redis-outage.service';

function setup() {
  const redis = new EventEmitter();
  const outage = new RedisOutage(redis);
  const logged: string[] = [];
  jest.spyOn(Logger.prototype, 'error').mockImplementation((m: unknown) => void logged.push(String(m)));
  jest.spyOn(Logger.prototype, 'log').mockImplementation((m: unknown) => void logged.push(String(m)));
  return { redis, outage, logged, filter: new ApiExceptionFilter(outage) };
}

/** An error shaped like those of the Fastify adapter (FastifyError wrapped in an HttpException). */
function fastifyRefusal(code: string, statusCode: number, message: string): HttpException {
  const cause = Object.assign(new Error(message), { name: 'FastifyError', code, statusCode });
  return new HttpException(message, statusCode, { cause });
}

afterEach(() => jest.restoreAllMocks());

describe('ApiExceptionFilter', () => {
  it('maps every domain error code through the one table', () => {
    const { filter } = setup();
    const codes = Object.keys(HTTP_STATUS_OF) as DomainErrorCode[];
    expect(codes.map((c) => filter.answer(new DomainError(c, 'why')).status)).toEqual([400, 401, 403, 404, 413, 429, 503]);
    expect(filter.answer(new DomainError('unavailable', 'x')).headers).toEqual({ 'retry-after': '1' });
    expect(filter.answer(rateLimited('too many publishes to this push URL', 7))).toEqual({
      status: 429,
      message: 'too many publishes to this push URL',
      headers: { 'retry-after': '7' },
    });
    expect(filter.answer(new DomainError('invalid_input', 'title must be a string')).message).toBe('title must be a string');
  });

  it('answers Fastify refusals and Nest exceptions in the same shape', () => {
    const { filter } = setup();
    expect(filter.answer(fastifyRefusal('FST_ERR_CTP_BODY_TOO_LARGE', 413, 'Request body is too large'))).toEqual({
      status: 413,
      message: 'request body is larger than 65536 bytes',
      headers: {},
    });
    expect(filter.answer(fastifyRefusal('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'Unsupported Media Type')).status).toBe(415);
    expect(filter.answer(new NotFoundException('Cannot GET /x'))).toEqual({ status: 404, message: 'Cannot GET /x', headers: {} });
    expect(filter.answer(new BadRequestException(['a must be x', 'b must be y'])).message).toBe('a must be x; b must be y');
    expect(filter.answer(new MethodNotAllowedException(['POST', 'DELETE'], 'no'))).toEqual({ status: 405, message: 'no', headers: { allow: 'POST, DELETE' } });
  });

  it('answers a Redis outage with 503 and Retry-After, logging it once until Redis is back', () => {
    const { filter, redis, logged } = setup();
    const closed = new Error('Connection is closed.');
    expect(filter.answer(closed)).toEqual({ status: 503, message: 'storage is unavailable, retry shortly', headers: { 'retry-after': '1' } });
    filter.answer(closed);
    redis.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    expect(logged).toHaveLength(1);
    redis.emit('ready');
    filter.answer(closed);
    expect(logged).toHaveLength(3);
  });

  it('answers anything else with 500 and logs it', () => {
    const { filter, logged } = setup();
    expect(filter.answer(new TypeError('bug')).status).toBe(500);
    expect(logged.join()).toContain('bug');
  });
});

describe('isRedisUnavailable', () => {
  it('recognises ioredis connection failures and nothing else', () => {
    const maxRetries = Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' });
    expect(isRedisUnavailable(maxRetries)).toBe(true);
    expect(isRedisUnavailable(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
    expect(isRedisUnavailable(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
    // seen under chaos: an auto-pipelined EVALSHA in flight when Redis was killed
    expect(isRedisUnavailable(Object.assign(new Error('Command aborted due to connection close'), { name: 'AbortError' }))).toBe(true);
    expect(isRedisUnavailable(new Error('Command timed out'))).toBe(true);
    // a cluster client during a failover
    expect(isRedisUnavailable(new Error('Too many Cluster redirections. Last error: ReplyError: MOVED 5005 127.0.0.1:44623'))).toBe(true);
    expect(isRedisUnavailable(new Error('ERR wrong number of arguments'))).toBe(false);
    expect(isRedisUnavailable('Connection is closed.')).toBe(false);
  });
});

describe('a request aborted by its client', () => {
  it('is not taken for a Redis outage (both carry ECONNRESET)', () => {
    const { filter, outage, logged } = setup();
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    expect(filter.answer(aborted).status).toBe(400);
    expect(outage.isDown).toBe(false);
    expect(logged).toEqual([]);
    expect(filter.answer(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' })).status).toBe(503);
  });
});
