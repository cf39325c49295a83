"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_NOTIFICATION_BYTES = void 0;
exports.normalizeNotification = normalizeNotification;
exports.assertActionUrl = assertActionUrl;
exports.normalizeDomain = normalizeDomain;
const errors_1 = require("./errors");
/** The Web Push payload cap: the kept fields' UTF-8 JSON may not exceed it. */
exports.MAX_NOTIFICATION_BYTES = 4096;
/** Builds the kept notification (title first, absent fields omitted) and its JSON, checking the rules
 * that are not per-field types: actionUrl scheme and the total size. */
function normalizeNotification(input) {
    if (input.actionUrl !== undefined)
        assertActionUrl(input.actionUrl);
    const notification = {
        title: input.title,
        ...(input.body !== undefined ? { body: input.body } : {}),
        ...(input.actionUrl !== undefined ? { actionUrl: input.actionUrl } : {}),
        ...(input.replaceId !== undefined ? { replaceId: input.replaceId } : {}),
    };
    const json = JSON.stringify(notification);
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > exports.MAX_NOTIFICATION_BYTES) {
        throw new errors_1.DomainError('too_large', `notification is ${bytes} bytes of JSON; the limit is ${exports.MAX_NOTIFICATION_BYTES}`);
    }
    return { notification, json };
}
/** actionUrl must be an absolute http: or https: URL (never javascript: or data:). */
function assertActionUrl(value) {
    let url;
    try {
        url = new URL(value);
    }
    catch {
        throw (0, errors_1.invalid)('actionUrl', 'must be an absolute http: or https: URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw (0, errors_1.invalid)('actionUrl', `must be an http: or https: URL, not ${url.protocol}`);
    }
}
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN_RE = new RegExp(`^(?:${LABEL}\\.)*${LABEL}(?::(\\d{1,5}))?$`);
/** A site's domain: a host name, optionally with `:port`; returned lower-cased. */
function normalizeDomain(value) {
    const domain = value.trim().toLowerCase();
    const m = DOMAIN_RE.exec(domain);
    if (!m || domain.length > 260)
        throw (0, errors_1.invalid)('domain', 'must be a host name, optionally with :port');
    if (m[1] !== undefined && (Number(m[1]) < 1 || Number(m[1]) > 65535))
        throw (0, errors_1.invalid)('domain', 'port must be 1-65535');
    return domain;
}
//# sourceMappingURL=notification.rules.js.map