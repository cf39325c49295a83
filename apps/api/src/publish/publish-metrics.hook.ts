import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ApiMetrics } from '@push/observability';
import { isPublishRequest } from './publish.route';

/**
 * Counts every answered publish by status (push_publishes_total) and its duration, in a Fastify
 * onResponse hook: it also sees the answers Fastify gives before the controller runs (413 body too
 * large, 415 content type), and it costs the publish path one URL check (the same as the address limits'). Probes,
 * /metrics, /docs and read markers (a user queue id on the same route) are not publishes.
 */
export function countPublishes(app: NestFastifyApplication, metrics: ApiMetrics): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (req, reply, done) => {
      if (isPublishRequest(req.method, req.url)) metrics.published(reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
}
