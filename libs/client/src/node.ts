/**
 * Node entry of @push/client: the same API as the browser entry, with the `ws` package as the default
 * WebSocket (Node 20 has none built in) and fileStorage for resuming after a restart.
 */
import WebSocket from 'ws';
import { ConnectOptions, PushClient as WebPushClient, PushClientOptions } from './push-client.js';
import { PushConnection } from './push-connection.js';

export * from './index.js';
export { fileStorage } from './file-storage.js';

/** PushClient whose default WebSocket is the `ws` package. */
export class PushClient extends WebPushClient {
  constructor(options: PushClientOptions) {
    super({ ...options, WebSocket: options?.WebSocket ?? WebSocket });
  }
}

/** Opens a live connection: `new PushClient(options).connect(options)`. */
export function connect(options: PushClientOptions & ConnectOptions): PushConnection {
  return new PushClient(options).connect(options);
}
