"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.collapseReplaced = collapseReplaced;
/**
 * The replaceId rule of a resume: of the messages missed, only the newest per (push URL, replaceId)
 * is sent, in its own place in key order; messages without replaceId and read markers all are.
 * Entries must be in key order; the result keeps that order.
 */
function collapseReplaced(entries) {
    const seen = new Set();
    const kept = [];
    for (let i = entries.length - 1; i >= 0; i--) {
        const e = entries[i];
        if (e.replaceId !== undefined) {
            const group = `${e.queue}\n${e.replaceId}`;
            if (seen.has(group))
                continue;
            seen.add(group);
        }
        kept.push(e);
    }
    return kept.reverse();
}
//# sourceMappingURL=replay.rules.js.map