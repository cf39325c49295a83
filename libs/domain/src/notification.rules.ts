import { DomainError, invalid } from './errors';
import { Notification } from './message';

/** The Web Push payload cap: the kept fields' UTF-8 JSON may not exceed it. */
export const MAX_NOTIFICATION_BYTES = 4096;

/** Builds the kept notification (title first, absent fields omitted) and its JSON, checking the rules
 * that are not per-field types: actionUrl scheme and the total size. */
export function normalizeNotification(input: {
  title: string;
  body?: string;
  actionUrl?: string;
  replaceId?: string;
}): { notification: Notification; json: string } {
  if (input.actionUrl !== undefined) assertActionUrl(input.actionUrl);
  const notification: Notification = {
    title: input.title,
    ...(input.body !== undefined ? { body: input.body } : {}),
    ...(input.actionUrl !== undefined ? { actionUrl: input.actionUrl } : {}),
    ...(input.replaceId !== undefined ? { replaceId: input.replaceId } : {}),
  };
  const json = JSON.stringify(notification);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_NOTIFICATION_BYTES) {
    throw new DomainError('too_large', `notification is ${bytes} bytes of JSON; the limit is ${MAX_NOTIFICATION_BYTES}`);
  }
  return { notification, json };
}

/** actionUrl must be an absolute http: or https: URL (never javascript: or data:). */
export function assertActionUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('actionUrl', 'must be an absolute http: or https: URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid('actionUrl', `must be an http: or https: URL, not ${url.protocol}`);
  }
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN_RE = new RegExp(`^(?:${LABEL}\\.)*${LABEL}(?::(\\d{1,5}))?$`);

/** A site's domain: a host name, optionally with `:port`; returned lower-cased. */
export function normalizeDomain(value: string): string {
  const domain = value.trim().toLowerCase();
  const m = DOMAIN_RE.exec(domain);
  if (!m || domain.length > 260) throw invalid('domain', 'must be a host name, optionally with :port');
  if (m[1] !== undefined && (Number(m[1]) < 1 || Number(m[1]) > 65535)) throw invalid('domain', 'port must be 1-65535');
  return domain;
}
