import { Inject, Injectable } from '@nestjs/common';
import { PUSH_CONFIG } from '@push/config';
import type { PushConfig } from '@push/config';
import { lockedForMs, lockoutEnabled, rateLimited, recordFailure, takeToken } from '@push/domain';
import type { BucketLimit, BucketState, Clock, FailureLimit, FailureWindow, RateLimitedError } from '@push/domain';
import { CLOCK } from '../common/clock.provider';
import { LruMap } from './lru-map';

/** Addresses tracked at once per api process (about 200 bytes each, so about 20 MB at most); the least recently seen is forgotten first. */
export const MAX_TRACKED_ADDRESSES = 100_000;

/** What one api process remembers of one client address. */
interface AddressRecord {
  publishes?: BucketState;
  failures?: FailureWindow;
}

/** Answers that count as a failed attempt: an unknown or invalid token, an unknown or revoked push URL (or any unknown path). */
const FAILED_ATTEMPT_STATUSES: ReadonlySet<number> = new Set([401, 404]);

/** Messages of the refusals, naming the limit. */
export const ADDRESS_LIMIT_MESSAGES = {
  publishes: 'too many publishes from this address',
  failures: 'too many failed attempts from this address (unknown token or push URL)',
} as const;

/**
 * The per client address limits of one api process, in memory: publishes (a token bucket) and
 * failed attempts (a 401 or 404 answer; too many in a window lock the address out until the window
 * ends). With N api processes behind a balancer an address gets up to N times these limits.
 */
@Injectable()
export class AddressLimits {
  private readonly records = new LruMap<string, AddressRecord>(MAX_TRACKED_ADDRESSES);
  private readonly publishLimit: BucketLimit;
  private readonly failureLimit: FailureLimit;

  constructor(
    @Inject(PUSH_CONFIG) config: PushConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.publishLimit = { burst: config.publishBurstPerIp, ratePerS: config.publishRatePerIp };
    this.failureLimit = { maxFailures: config.failedAttemptsPerIp, windowMs: config.failedAttemptsWindowS * 1000 };
  }

  /** The refusal for an address that is locked out, or null. */
  lockout(address: string): RateLimitedError | null {
    if (!lockoutEnabled(this.failureLimit)) return null;
    const waitMs = lockedForMs(this.failureLimit, this.records.get(address)?.failures, this.clock.nowMs());
    return waitMs > 0 ? rateLimited(ADDRESS_LIMIT_MESSAGES.failures, waitMs / 1000) : null;
  }

  /** Takes one publish from the address's bucket; the refusal when it is empty, else null. */
  takePublish(address: string): RateLimitedError | null {
    if (this.publishLimit.burst <= 0 || this.publishLimit.ratePerS <= 0) return null;
    const record = this.records.get(address) ?? {};
    const taken = takeToken(this.publishLimit, record.publishes, this.clock.nowMs());
    record.publishes = taken.state;
    this.records.set(address, record);
    return taken.allowed ? null : rateLimited(ADDRESS_LIMIT_MESSAGES.publishes, taken.retryAfterS);
  }

  /** The refusal of a publish from the address (locked out, or its bucket empty), or null: it takes a token. */
  admitPublish(address: string): RateLimitedError | null {
    return this.lockout(address) ?? this.takePublish(address);
  }

  /** Notes an answer sent to the address: a 401 or 404 counts as a failed attempt. */
  answered(address: string, status: number): void {
    if (FAILED_ATTEMPT_STATUSES.has(status)) this.recordFailure(address);
  }

  /** Counts a failed attempt (an answer of 401 or 404) of the address. */
  recordFailure(address: string): void {
    if (!lockoutEnabled(this.failureLimit)) return;
    const record = this.records.get(address) ?? {};
    record.failures = recordFailure(this.failureLimit, record.failures, this.clock.nowMs());
    this.records.set(address, record);
  }
}
