import fastifyStatic from '@fastify/static';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** URL prefix of the demo web app. */
export const DEMO_PREFIX = '/demo/';

/** Where the demo's files are on disk; `sdkDir` is null while the SDK's browser bundle is not built. */
export interface DemoFiles {
  /** The page itself: index.html, demo.js, demo.css (`apps/api/demo`). */
  readonly pageDir: string;
  /** The SDK's browser bundle, served as /demo/push-client.js (`libs/client/dist/browser`). */
  readonly sdkDir: string | null;
}

/**
 * Finds the demo's files from the running script rather than from `__dirname`, which the bundler
 * rewrites: `dist/apps/api/main.js` lies three folders below the repository root, in a checkout as in
 * the Docker image. The working directory is the fallback. Null when the page is not there.
 */
export function findDemoFiles(mainFile: string, cwd: string, exists: (path: string) => boolean = existsSync): DemoFiles | null {
  const roots = [resolve(dirname(mainFile), '..', '..', '..'), resolve(cwd)];
  for (const root of roots) {
    const pageDir = join(root, 'apps', 'api', 'demo');
    if (!exists(join(pageDir, 'index.html'))) continue;
    const sdkDir = join(root, 'libs', 'client', 'dist', 'browser');
    return { pageDir, sdkDir: exists(join(sdkDir, 'push-client.js')) ? sdkDir : null };
  }
  return null;
}

// The page talks to this api (same origin) and to the gateways over WebSocket (other ports or hosts).
const DEMO_CSP = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Serves the demo web app at /demo/ (and redirects /demo there) as plain static files, outside Nest's
 * controllers: no guard, interceptor, metric or rate limit of the API routes sees these requests.
 */
export async function registerDemo(app: NestFastifyApplication, mainFile = process.argv[1] ?? '', cwd = process.cwd()): Promise<void> {
  const logger = new Logger('Demo');
  const files = findDemoFiles(mainFile, cwd);
  if (files === null) {
    logger.warn('demo page not found (apps/api/demo): /demo/ is not served');
    return;
  }
  if (files.sdkDir === null) logger.warn('SDK browser bundle missing: run `npm run build:client` so that /demo/ works');
  await app.register(fastifyStatic, {
    root: files.sdkDir === null ? files.pageDir : [files.pageDir, files.sdkDir],
    prefix: DEMO_PREFIX,
    // /demo and /demo/ are one route under ignoreTrailingSlash, so the page itself is served below
    index: false,
    // another registration (e.g. Swagger UI) may own reply.sendFile
    decorateReply: false,
    // always revalidate, so a rebuilt bundle or page is picked up at once
    maxAge: 0,
    setHeaders: (reply) => {
      reply.header('Content-Security-Policy', DEMO_CSP);
      reply.header('X-Content-Type-Options', 'nosniff');
    },
  });
  const indexFile = join(files.pageDir, 'index.html');
  app
    .getHttpAdapter()
    .getInstance()
    .get(DEMO_PREFIX.slice(0, -1), async (request, reply) => {
      // relative URLs in the page (./demo.js, ./push-client.js) need the trailing slash
      const [path, query] = splitUrl(request.url);
      if (!path.endsWith('/')) return reply.redirect(`${DEMO_PREFIX}${query}`, 301);
      return reply
        .header('Content-Type', 'text/html; charset=utf-8')
        .header('Cache-Control', 'no-cache')
        .header('Content-Security-Policy', DEMO_CSP)
        .header('X-Content-Type-Options', 'nosniff')
        .send(await readFile(indexFile));
    });
}

/** `/demo/?a=1` → [`/demo/`, `?a=1`]. */
function splitUrl(url: string): [string, string] {
  const at = url.indexOf('?');
  return at === -1 ? [url, ''] : [url.slice(0, at), url.slice(at)];
}
