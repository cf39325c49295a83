import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets and ids. A token is 256 random bits and is only ever stored as its SHA-256. A user queue id
 * is 128 random bits (hex). A push URL id seals its user queue id with AES-256-GCM under a fresh
 * random nonce (as Mozilla's autopush does with its endpoints): it is unguessable, two push URLs of
 * one client cannot be linked, and the publish path finds the user queue without reading Redis.
 */

const TOKEN_BYTES = 32;
const USER_QUEUE_ID_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Sealed push URL id: nonce, ciphertext of the user queue id, tag. */
const SEALED_BYTES = NONCE_BYTES + USER_QUEUE_ID_BYTES + TAG_BYTES;

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;
const USER_QUEUE_ID_RE = /^[0-9a-f]{32}$/;
const PUSH_URL_ID_RE = new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((SEALED_BYTES * 4) / 3)}}$`);

/** A new client token (base64url, 43 characters). */
export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** True when a string has the shape of a token (it may still be unknown). */
export function isTokenShaped(value: string): boolean {
  return TOKEN_RE.test(value);
}

/** The only form in which a token is stored: hex SHA-256. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new user queue id (32 hex characters). */
export function newUserQueueId(): string {
  return randomBytes(USER_QUEUE_ID_BYTES).toString('hex');
}

/** True when a path id is shaped like a user queue id. */
export function isUserQueueId(value: string): boolean {
  return USER_QUEUE_ID_RE.test(value);
}

/** Seals user queue ids into push URL ids and opens them again. */
export class PushUrlCodec {
  private readonly key: Buffer;
  /** Recently opened ids: a site publishes through the same push URL again and again, and an AES-GCM
   * open costs more CPU than the rest of a publish's parsing (about 10% of the api under load). */
  private readonly opened = new Map<string, string>();

  /**
   * @param secret at least 32 characters; the AES key is its SHA-256.
   * @param cacheSize how many opened ids to remember (least recently opened are forgotten first).
   */
  constructor(
    secret: string,
    private readonly cacheSize = 100_000,
  ) {
    this.key = createHash('sha256').update(`push-url-id:${secret}`).digest();
  }

  /** A new push URL id for a user queue; every call gives a different, unlinkable id. */
  seal(userQueueId: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const sealed = Buffer.concat([cipher.update(Buffer.from(userQueueId, 'hex')), cipher.final()]);
    return Buffer.concat([nonce, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  /** The user queue id inside a push URL id, or null when the id was not sealed by this secret. */
  open(pushUrlId: string): string | null {
    const cached = this.opened.get(pushUrlId);
    if (cached !== undefined) {
      this.opened.delete(pushUrlId);
      this.opened.set(pushUrlId, cached);
      return cached;
    }
    const userQueueId = this.decrypt(pushUrlId);
    // only authentic ids are remembered, so forged ids cannot evict real ones by the thousand for free
    if (userQueueId !== null && this.cacheSize > 0) {
      if (this.opened.size >= this.cacheSize) this.opened.delete(this.opened.keys().next().value as string);
      this.opened.set(pushUrlId, userQueueId);
    }
    return userQueueId;
  }

  private decrypt(pushUrlId: string): string | null {
    if (!PUSH_URL_ID_RE.test(pushUrlId)) return null;
    const raw = Buffer.from(pushUrlId, 'base64url');
    if (raw.length !== SEALED_BYTES) return null;
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(raw.subarray(NONCE_BYTES + USER_QUEUE_ID_BYTES));
    try {
      const plain = Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, NONCE_BYTES + USER_QUEUE_ID_BYTES)), decipher.final()]);
      return plain.toString('hex');
    } catch {
      // a forged or foreign id fails authentication: it names no user queue
      return null;
    }
  }
}
