/** BullMQ queue and job names shared by producers and consumers of periodic and delayed work. */

/** The monitor's queue of periodic housekeeping. */
export const HOUSEKEEPING_QUEUE = 'housekeeping';

/** Job scheduler ids: one tick of each runs once per period, whatever the number of monitor replicas. */
export const JOB = {
  /** Probe every registered gateway node and reap the dead. */
  probeNodes: 'probe-nodes',
  /** Trim every user queue's messages older than STREAM_MAX_AGE_S. */
  trimRetention: 'trim-retention',
} as const;

export type JobName = (typeof JOB)[keyof typeof JOB];

/** Payload of a probe-nodes tick (none needed: the registry is the input). */
export type ProbeNodesPayload = Record<string, never>;

/** Payload of a trim-retention tick. */
export type TrimRetentionPayload = Record<string, never>;
