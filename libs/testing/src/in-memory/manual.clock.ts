import { Clock } from '@push/domain';

/** A clock that only moves when a test moves it; `nowMs` may be fractional to express microseconds. */
export class ManualClock implements Clock {
  constructor(private ms = Date.UTC(2025, 10, 27, 12, 0, 0)) {}

  nowMs(): number {
    return this.ms;
  }

  /** Sets the time to `ms` since the epoch. */
  set(ms: number): void {
    this.ms = ms;
  }

  /** Moves the time forward (or back, with a negative value) by `ms`. */
  advance(ms: number): void {
    this.ms += ms;
  }
}
