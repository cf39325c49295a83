import { RespError, RespValue, Script, ScriptLane } from './script-lane';

/** A publish waiting for the end of its turn: its keys then arguments, and its caller. */
interface Waiting {
  readonly keysThenArgs: readonly string[];
  readonly resolve: (reply: RespValue) => void;
  readonly reject: (err: Error) => void;
}

/** At most this many publishes share a script call (bounds the time Redis spends in one script). */
export const MAX_PUBLISHES_PER_CALL = 64;

/**
 * Gathers the publishes of one turn of the event loop and sends them, when the turn ends
 * (setImmediate), as few script calls on the lane as keeps each user queue's publishes in the order
 * they came: a publish joins the last call of the turn unless that call already holds one to the same
 * stream (or is full), else it starts the next call. A call of one publish is the publish script
 * itself; a call of several is the batch script (publishBatchLua), whose answers are dealt back in
 * order: an error reply for one publish fails that publish only. Redis charges a fixed cost per script
 * call and per call's arguments, which the publishes of a call share (bench/README.md, "Publishes of a
 * turn in one script call"). The calls of a turn leave in one write, at once.
 */
export class PublishBatcher {
  /** The calls of this turn, in order. */
  private calls: Waiting[][] = [];
  /** The streams of the last call of this turn (a turn's first publish starts a call, and a new set). */
  private lastStreams = new Set<string>();
  private scheduled = false;

  constructor(
    private readonly lane: ScriptLane,
    /** The publish script: one publish per call. */
    private readonly single: Script,
    /** The batch script: its key count per call is keysPerPublish times the publishes in it. */
    private readonly batch: Script,
    private readonly keysPerPublish: number,
  ) {}

  /** Queues a publish (`stream` is its first key) for the end of this turn; settles with its own answer. */
  publish(stream: string, keysThenArgs: readonly string[]): Promise<RespValue> {
    return new Promise<RespValue>((resolve, reject) => {
      let call = this.calls.at(-1);
      if (call === undefined || call.length >= MAX_PUBLISHES_PER_CALL || this.lastStreams.has(stream)) {
        call = [];
        this.calls.push(call);
        this.lastStreams = new Set();
      }
      call.push({ keysThenArgs, resolve, reject });
      this.lastStreams.add(stream);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    const calls = this.calls;
    this.calls = [];
    this.scheduled = false;
    for (const call of calls) this.send(call);
    // written now rather than at the lane's own end of turn, which from here would be the next one
    this.lane.flush();
  };

  private send(call: readonly Waiting[]): void {
    const first = call[0];
    if (call.length === 1 && first !== undefined) {
      this.lane.run(this.single, first.keysThenArgs).then(first.resolve, first.reject);
      return;
    }
    // every publish's keys, then every publish's arguments (publishBatchLua)
    const words: string[] = [];
    for (const w of call) words.push(...w.keysThenArgs.slice(0, this.keysPerPublish));
    const numberOfKeys = words.length;
    for (const w of call) words.push(...w.keysThenArgs.slice(this.keysPerPublish));
    this.lane.run(this.batch, words, numberOfKeys).then(
      (reply) => {
        if (!Array.isArray(reply) || reply.length !== call.length) {
          const err = new Error(`unexpected publish batch reply: ${JSON.stringify(reply)}`);
          for (const w of call) w.reject(err);
          return;
        }
        call.forEach((w, i) => {
          const answer = reply[i] ?? null;
          if (answer instanceof RespError) w.reject(answer);
          else w.resolve(answer);
        });
      },
      (err: Error) => {
        for (const w of call) w.reject(err);
      },
    );
  }
}
