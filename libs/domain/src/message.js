"use strict";
/** The wire format of a message, identical over HTTP and WebSocket (spec: "Message format"). */
Object.defineProperty(exports, "__esModule", { value: true });
exports.isReadMarker = isReadMarker;
/** True when a message body is a read marker rather than a notification. */
function isReadMarker(body) {
    return body.read !== undefined;
}
//# sourceMappingURL=message.js.map