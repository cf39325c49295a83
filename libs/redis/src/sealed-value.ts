import type { PushUrlSecrets } from '@push/domain';

/**
 * Stored values that would otherwise hold a push URL id in plain text (a domain's push URL id, the
 * push URL a message was sent to) are stored sealed, marked with a leading `$`: base64url never
 * contains it and a URL never starts with it, so a value without it is plain (a read marker's user
 * queue URL, or data written before sealing).
 */
const SEALED_MARK = '$';

/** The stored form of a text that must not be readable in Redis. */
export function sealValue(secrets: PushUrlSecrets, text: string): string {
  return SEALED_MARK + secrets.sealText(text);
}

/** The stored form of an already sealed text (PushUrlSecrets.sealPushUrl). */
export function markSealed(sealed: string): string {
  return SEALED_MARK + sealed;
}

/** A stored value as text: opened when sealed, as is when plain; null when sealed under another secret. */
export function openValue(secrets: PushUrlSecrets, stored: string): string | null {
  return stored.startsWith(SEALED_MARK) ? secrets.openText(stored.slice(SEALED_MARK.length)) : stored;
}
