/** What a turn cork holds: a socket (net.Socket has both). */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * Corks a socket for the rest of the current turn of the event loop, so that what is written to it
 * meanwhile leaves in one `writev` when `setImmediate` uncorks it. One held cork per turn: later calls
 * in the same turn do nothing. Used by ScriptLane and TurnCorkedRedis.
 */
export class TurnCork {
  private held: Corkable | null = null;
  private readonly release = (): void => {
    const stream = this.held;
    this.held = null;
    stream?.uncork();
  };

  /** Uncorks now what this turn holds (its pending release then finds nothing). */
  flush(): void {
    this.release();
  }

  /** Corks `stream` until the end of this turn, unless a cork of this turn is already held. */
  hold(stream: Corkable): void {
    if (this.held !== null) return;
    stream.cork();
    this.held = stream;
    setImmediate(this.release);
  }
}
