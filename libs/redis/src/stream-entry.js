"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.frameOf = frameOf;
exports.messageOf = messageOf;
exports.replayedOf = replayedOf;
const domain_1 = require("../../domain/src");
/** The wire frame of a stored entry, built by concatenation exactly as the publish script builds it. */
function frameOf(key, timestamp, queue, bodyJson) {
    return `{"key":"${key}","timestamp":"${timestamp}","queue":${JSON.stringify(queue)},"body":${bodyJson}}`;
}
function fieldsOf(fields) {
    let queue = '';
    let bodyJson = '{}';
    let replaceId;
    for (let i = 0; i + 1 < fields.length; i += 2) {
        const v = fields[i + 1];
        if (fields[i] === 'q')
            queue = v;
        else if (fields[i] === 'b')
            bodyJson = v;
        else if (fields[i] === 'r')
            replaceId = v;
    }
    return { queue, bodyJson, replaceId };
}
function timestampOf(id) {
    const parts = (0, domain_1.parseKey)(id);
    if (!parts)
        throw new Error(`stream id "${id}" is not <ms>-<seq>`);
    return (0, domain_1.timestampFromKey)(parts);
}
/** A stream entry as the HTTP API returns it. */
function messageOf([id, fields]) {
    const f = fieldsOf(fields);
    return { key: id, timestamp: timestampOf(id), queue: f.queue, body: JSON.parse(f.bodyJson) };
}
/** A stream entry as a replay sends it: the frame plus what the replaceId rule needs. */
function replayedOf([id, fields]) {
    const f = fieldsOf(fields);
    const timestamp = timestampOf(id);
    return { key: id, timestamp, frame: frameOf(id, timestamp, f.queue, f.bodyJson), queue: f.queue, ...(f.replaceId !== undefined ? { replaceId: f.replaceId } : {}) };
}
//# sourceMappingURL=stream-entry.js.map