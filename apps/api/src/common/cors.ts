import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** What `app.enableCors()` takes (@fastify/cors options; that package comes with @nestjs/platform-fastify). */
type CorsOptions = NonNullable<Parameters<NestFastifyApplication['enableCors']>[0]>;

/**
 * Any web page may call the API from its own origin: every route is authorised by the token header or
 * by knowing a push URL, never by a cookie, so a cross-origin caller can do nothing that it could not
 * do with curl. Credentials stay off, so a browser never attaches cookies to these requests.
 */
export const API_CORS: CorsOptions = {
  origin: '*',
  methods: ['GET', 'POST', 'PUT', 'DELETE'],
  allowedHeaders: ['Content-Type', 'X-Auth-Token', 'Authorization'],
  credentials: false,
  maxAge: 600,
};
