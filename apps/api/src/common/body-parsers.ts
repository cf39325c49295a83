import fastifyFormbody from '@fastify/formbody';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { invalid } from '@push/domain';
import { parse as parseQueryString } from 'node:querystring';

/**
 * Request bodies: application/json and application/x-www-form-urlencoded only (Fastify answers 415 to
 * any other type, text/plain included), at most MAX_BODY_BYTES (413). An empty body is no body, so
 * that `POST /token/` with a content type and nothing else works.
 */
export async function registerBodyParsers(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  const strictJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    void strictJson(req, text, (err: Error | null, value?: unknown) => {
      if (err) done(invalid('body', 'is not valid JSON'), undefined);
      else if (typeof value !== 'object' || value === null || Array.isArray(value)) done(invalid('body', 'must be a JSON object'), undefined);
      else done(null, value);
    });
  });
  await app.register(fastifyFormbody, {
    // node's parser gives an object without a prototype; "__proto__" is dropped as JSON bodies refuse it
    parser: (text: string) => {
      const parsed = parseQueryString(text);
      delete parsed.__proto__;
      return parsed;
    },
  });
}
