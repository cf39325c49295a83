import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

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

/**
 * What the stores need to keep push URL ids out of Redis in plain text (issue #7): a one-way digest
 * to look a push URL up by (its revocation entry), and a cipher for what must be read back (the id a
 * domain maps to, the push URL a message was sent to). Both keyed by the push URL secret.
 */
export interface PushUrlSecrets {
  /** Keyed one-way digest of a push URL id (HMAC-SHA-256, 43 base64url characters); equal ids give equal digests. */
  digest(pushUrlId: string): string;
  /** Seals a text for storage (AES-256-GCM, fresh nonce, base64url); only openText with the same secret reads it. */
  sealText(text: string): string;
  /** The text sealed by sealText, or null when it was not sealed under this secret. */
  openText(sealed: string): string | null;
  /** sealText of the push URL `url` of the id `pushUrlId`, remembered with the opened id (the publish path seals the same URL again and again). */
  sealPushUrl(pushUrlId: string, url: string): string;
}

/** What the codec remembers of an authentic push URL id. */
interface OpenedId {
  readonly userQueueId: string;
  /** The cache's insertion count when this entry was last (re)inserted. */
  insertedAt: number;
  digest?: string;
  /** The last push URL sealed for this id, and its sealing. */
  url?: string;
  sealedUrl?: string;
}

/** Opened sealed texts remembered (a replay reads the same push URL's sealing again and again). */
const OPENED_TEXTS_MAX = 10_000;

/** Seals user queue ids into push URL ids and opens them again; also keeps push URL ids secret at rest (PushUrlSecrets). */
export class PushUrlCodec implements PushUrlSecrets {
  private readonly key: Buffer;
  /** AES key of sealed texts at rest, derived apart from the id key so that neither use can stand in for the other. */
  private readonly restKey: Buffer;
  /** HMAC key of digests. */
  private readonly digestKey: Buffer;
  /** Recently opened ids: a site publishes through the same push URL again and again, and an AES-GCM
   * open costs more CPU than the rest of a publish's parsing (about 10% of the api under load). The
   * digest and sealed push URL of the publish path are kept in the same entry. */
  private readonly opened = new Map<string, OpenedId>();
  private readonly openedTexts = new Map<string, string>();
  /** Insertions into `opened` so far: an entry's age in insertions tells whether a hit must refresh it. */
  private insertions = 0;

  /**
   * @param secret at least 32 characters; the AES key is its SHA-256.
   * @param cacheSize how many opened ids to remember (least recently opened are forgotten first).
   */
  constructor(
    secret: string,
    private readonly cacheSize = 100_000,
  ) {
    this.key = createHash('sha256').update(`push-url-id:${secret}`).digest();
    this.restKey = createHash('sha256').update(`push-url-at-rest:${secret}`).digest();
    this.digestKey = createHash('sha256').update(`push-url-digest:${secret}`).digest();
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
    return this.entry(pushUrlId)?.userQueueId ?? null;
  }

  digest(pushUrlId: string): string {
    const cached = this.opened.get(pushUrlId);
    if (cached?.digest !== undefined) return cached.digest;
    const digest = createHmac('sha256', this.digestKey).update(pushUrlId).digest('base64url');
    if (cached !== undefined) cached.digest = digest;
    return digest;
  }

  sealText(text: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.restKey, nonce);
    const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return Buffer.concat([nonce, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  openText(sealed: string): string | null {
    const cached = this.openedTexts.get(sealed);
    if (cached !== undefined) return cached;
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length < NONCE_BYTES + TAG_BYTES || raw.toString('base64url') !== sealed) return null;
    const decipher = createDecipheriv('aes-256-gcm', this.restKey, raw.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    let text: string;
    try {
      text = Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      // sealed under another secret (or altered): it reads as nothing
      return null;
    }
    if (this.openedTexts.size >= OPENED_TEXTS_MAX) this.openedTexts.delete(this.openedTexts.keys().next().value as string);
    this.openedTexts.set(sealed, text);
    return text;
  }

  sealPushUrl(pushUrlId: string, url: string): string {
    const cached = this.opened.get(pushUrlId);
    if (cached !== undefined && cached.url === url && cached.sealedUrl !== undefined) return cached.sealedUrl;
    const sealed = this.sealText(url);
    if (cached !== undefined) {
      cached.url = url;
      cached.sealedUrl = sealed;
    }
    return sealed;
  }

  /**
   * The cache entry of an authentic id, or null for a forged one. A hit moves the entry to the most
   * recently used end only once it has drifted into the older half (a delete and an insert on every
   * publish cost more than the look-up itself), so an id used at least once per half a cache of
   * insertions is never evicted.
   */
  private entry(pushUrlId: string): OpenedId | null {
    const cached = this.opened.get(pushUrlId);
    if (cached !== undefined) {
      if (this.insertions - cached.insertedAt > (this.cacheSize - 1) / 2) {
        this.opened.delete(pushUrlId);
        this.remember(pushUrlId, cached);
      }
      return cached;
    }
    const userQueueId = this.decrypt(pushUrlId);
    if (userQueueId === null) return null;
    const entry: OpenedId = { userQueueId, insertedAt: 0 };
    // only authentic ids are remembered, so forged ids cannot evict real ones by the thousand for free
    if (this.cacheSize > 0) {
      if (this.opened.size >= this.cacheSize) this.opened.delete(this.opened.keys().next().value as string);
      this.remember(pushUrlId, entry);
    }
    return entry;
  }

  private remember(pushUrlId: string, entry: OpenedId): void {
    entry.insertedAt = ++this.insertions;
    this.opened.set(pushUrlId, entry);
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
