import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { BEARER_SCHEME, TOKEN_SCHEME } from './api-docs';
import { addPublishOperation, PUBLISH_MODELS } from '../publish/publish.openapi';

/** Where the OpenAPI UI is served; the JSON document is at `${OPENAPI_PATH}-json`. */
export const OPENAPI_PATH = 'docs';

/** Serves the OpenAPI document built from the controllers' decorators: UI at /docs, JSON at /docs-json. */
export function serveOpenApi(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Push')
    .setDescription(
      'Push notifications for the web: clients get a token and a user queue, sites publish through push URLs, ' +
        'gateways deliver over WebSockets (see GET /nodes/). Errors are JSON {statusCode, error, message}.',
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: "the client's token" }, TOKEN_SCHEME)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: "the client's token as a bearer token" }, BEARER_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: PUBLISH_MODELS });
  addPublishOperation(document);
  SwaggerModule.setup(OPENAPI_PATH, app, document, { jsonDocumentUrl: `${OPENAPI_PATH}-json` });
}
