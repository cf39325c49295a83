/**
 * @push/client: the SDK of Push for browsers and Node. This entry uses only web APIs (fetch,
 * WebSocket); the Node entry (node.ts) adds the `ws` package and fileStorage.
 */
export { Backoff, DEFAULT_BACKOFF } from './backoff.js';
export type { BackoffEnvironment, BackoffOptions } from './backoff.js';
export { createToken, publish } from './http.js';
export type { FetchLike, RequestInitLike, RequestOptions, ResponseLike, TokenGrant } from './http.js';
export { compareKeys, isMessageKey, isReadMarker } from './message.js';
export type { MessageBody, Notification, PushMessage, ReadMarker } from './message.js';
export { PushClient, connect } from './push-client.js';
export type { ConnectOptions, HistoryPage, HistoryQuery, PushClientOptions } from './push-client.js';
export type { ConnectionState, PushConnection, PushConnectionEvents, ReadEvent } from './push-connection.js';
export { PushError } from './push-error.js';
export type { PushErrorCode, PushErrorDetails } from './push-error.js';
export { memoryStorage } from './storage.js';
export type { PushStorage } from './storage.js';
export type { WebSocketConstructorLike, WebSocketLike } from './websocket.js';
