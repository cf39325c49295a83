"use strict";
/** BullMQ queue and job names shared by producers and consumers of periodic and delayed work. */
Object.defineProperty(exports, "__esModule", { value: true });
exports.JOB = exports.HOUSEKEEPING_QUEUE = void 0;
/** The monitor's queue of periodic housekeeping. */
exports.HOUSEKEEPING_QUEUE = 'housekeeping';
/** Job scheduler ids: one tick of each runs once per period, whatever the number of monitor replicas. */
exports.JOB = {
    /** Probe every registered gateway node and reap the dead. */
    probeNodes: 'probe-nodes',
    /** Trim every user queue's messages older than STREAM_MAX_AGE_S. */
    trimRetention: 'trim-retention',
};
//# sourceMappingURL=jobs.js.map