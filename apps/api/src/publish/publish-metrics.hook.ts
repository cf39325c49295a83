import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { isUserQueueId } from '@push/domain';
import type { ApiMetrics } from '@push/observability';
import { PUBLISH_ROUTE_PATH } from './publish.route';


/**
 * Counts every answered publish by status (push_publishes_total) and its duration, in a Fastify
 * onResponse hook: it also sees the answers Fastify gives before the controller runs (413 body too
 * large, 415 content type), and it costs the publish path no more than a route check. Probes,
 * /metrics, /docs and read markers (a user queue id on the same route) are not publishes.
 */
export function countPublishes(app: NestFastifyApplication, metrics: ApiMetrics): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (req, reply, done) => {
      if (req.method === 'POST' && req.routeOptions.url === PUBLISH_ROUTE_PATH) {
        const id = (req.params as { id?: unknown } | undefined)?.id;
        if (typeof id === 'string' && !isUserQueueId(id)) metrics.published(reply.statusCode, reply.elapsedTime / 1000);
      }
      done();
    });
}
