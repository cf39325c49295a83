// Publishers: open loop at a fixed offered rate (the rate steps) and closed loop (as fast as the
// service answers, for the publish-only step and the idle run's probe round).
import { nowUs } from './util.mjs';

function errorKey(err, status) {
  return err ? String(err.code || err.message || err).slice(0, 100) : `HTTP ${status}`;
}

/**
 * Open loop: message k is due at start + k / rate, whatever the service does; at most
 * `maxInflight` requests are outstanding (a service slower than maxInflight / rate per request
 * makes the publisher fall behind, which shows as published/s below the offered rate and as
 * `lagMaxMs`). Sending stops at `sendDeadlineUs`; what was not sent by then is `unsent`.
 * `send(id, tUs)` sends message `id` stamped `tUs` and resolves to the HTTP status.
 * Resolves { startUs, endUs, ok, err, unsent, lagMaxMs, errSamples, status, rttUs }:
 * status[id] 0 unsent, 1 in flight, 2 accepted (2xx), 3 refused or failed.
 */
export function openLoop({ rate, total, maxInflight, sendDeadlineUs, send }) {
  return new Promise((resolve) => {
    const status = new Uint8Array(total);
    const rttUs = new Float64Array(total);
    const errSamples = {};
    const startUs = nowUs();
    let next = 0;
    let inflight = 0;
    let ok = 0;
    let err = 0;
    let lagMaxUs = 0;
    let stopped = false;
    let finished = false;
    let timer = null;

    function finish() {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      resolve({ startUs, endUs: nowUs(), ok, err, unsent: total - next, lagMaxMs: lagMaxUs / 1000, errSamples, status, rttUs });
    }
    function complete(id, t, e, st) {
      inflight--;
      rttUs[id] = nowUs() - t;
      if (!e && st >= 200 && st < 300) {
        status[id] = 2;
        ok++;
      } else {
        status[id] = 3;
        err++;
        const key = errorKey(e, st);
        errSamples[key] = (errSamples[key] ?? 0) + 1;
      }
      pump();
    }
    function pump() {
      const now = nowUs();
      if (now > sendDeadlineUs) stopped = true;
      if (!stopped) {
        const due = Math.min(total, Math.floor(((now - startUs) * rate) / 1e6) + 1);
        while (next < due && inflight < maxInflight) {
          const id = next++;
          const lag = now - (startUs + (id * 1e6) / rate);
          if (lag > lagMaxUs) lagMaxUs = lag;
          const t = nowUs();
          status[id] = 1;
          inflight++;
          send(id, t).then((st) => complete(id, t, null, st), (e) => complete(id, t, e, 0));
        }
      }
      if (next >= total || stopped) {
        if (inflight === 0) finish();
        return;
      }
      // the next message is due within ~1 ms; a completion also pumps when all slots are busy
      if (timer === null && inflight < maxInflight) {
        timer = setTimeout(() => {
          timer = null;
          pump();
        }, 1);
      }
    }
    pump();
  });
}

/**
 * Closed loop: keeps `maxInflight` requests outstanding until `total` were sent or `durationUs`
 * passed (whichever comes first). Resolves { startUs, endUs, sent, ok, err, errSamples, rttUs }
 * (rttUs: Float64Array of the completed requests' round trips).
 */
export function closedLoop({ total = Infinity, durationUs = Infinity, maxInflight, send }) {
  return new Promise((resolve) => {
    const errSamples = {};
    const rtt = [];
    const startUs = nowUs();
    let sent = 0;
    let inflight = 0;
    let ok = 0;
    let err = 0;
    let finished = false;

    function finish() {
      if (finished) return;
      finished = true;
      resolve({ startUs, endUs: nowUs(), sent, ok, err, errSamples, rttUs: Float64Array.from(rtt) });
    }
    function complete(t, e, st) {
      inflight--;
      rtt.push(nowUs() - t);
      if (!e && st >= 200 && st < 300) ok++;
      else {
        err++;
        const key = errorKey(e, st);
        errSamples[key] = (errSamples[key] ?? 0) + 1;
      }
      pump();
    }
    function pump() {
      const open = nowUs() - startUs < durationUs;
      while (open && sent < total && inflight < maxInflight) {
        const id = sent++;
        const t = nowUs();
        inflight++;
        send(id, t).then((st) => complete(t, null, st), (e) => complete(t, e, 0));
      }
      if ((!open || sent >= total) && inflight === 0) finish();
    }
    pump();
  });
}
