import { EventEmitter } from 'node:events';
import pino from 'pino';
import t from 'tap';
import { AdmissionControl, Metrics } from '../../src/app';
import type { FsMediaServer } from '../../src/media/fsmrf-types';
import { MediaLoadMonitor, parseStatus } from '../../src/media/media-load';

/** Admission control's readings: FreeSWITCH's `status`, polled; the event loop's delay; the call count. */

// `status` as FreeSWITCH 1.10.12 answers it over the event socket.
const STATUS = `UP 0 years, 0 days, 0 hours, 2 minutes, 9 seconds, 101 milliseconds, 618 microseconds
FreeSWITCH (Version 1.10.12 -release 64bit) is ready
3412 session(s) since startup
212 session(s) - peak 230, last 5min 230 
18 session(s) per Sec out of max 200, peak 41, last 5min 41 
4000 session(s) max
min idle cpu 0.00/37.45
Current Stack Size/Max 240K/8192K
`;

t.test('parseStatus reads the session count and the idle CPU', async (t) => {
  t.same(parseStatus(STATUS), { sessions: 212, idleCpuPct: 37.45 });
  t.same(parseStatus(STATUS.replace('212 session(s) - peak', '0 session(s) - peak')), { sessions: 0, idleCpuPct: 37.45 });
  t.equal(parseStatus('-ERR no reply'), undefined, 'an error answer is no reading');
  t.equal(parseStatus(STATUS.replace(/min idle cpu.*\n/, '')), undefined, 'half a reading is none');
});

class FakeServer extends EventEmitter {
  up = true;
  answer: () => Promise<string> = async () => STATUS;
  constructor(readonly address: string) {
    super();
  }
  connected(): boolean {
    return this.up;
  }
  api(): Promise<string> {
    return this.answer();
  }
}

t.test('the monitor keeps one reading per connected server, with its age', async (t) => {
  let now = 1000;
  const a = new FakeServer('fs-a');
  const b = new FakeServer('fs-b');
  b.answer = async () => STATUS.replace('212 session(s)', '40 session(s)').replace('0.00/37.45', '0.00/81.00');
  const servers = [a, b];
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (l: string) => void warnings.push(l) });
  const m = new MediaLoadMonitor(() => servers as unknown as FsMediaServer[], log, 1000, () => now);
  await m.poll();
  now = 1400;
  t.same(m.readings(), [
    { host: 'fs-a', sessions: 212, idleCpuPct: 37.45, ageMs: 400 },
    { host: 'fs-b', sessions: 40, idleCpuPct: 81, ageMs: 400 },
  ]);

  // A failing poll keeps the last reading, which ages (the decision ignores it once stale).
  a.answer = async () => {
    throw new Error('socket closed');
  };
  now = 5000;
  await m.poll();
  t.same(m.readings().map((r) => [r.host, r.ageMs]), [['fs-a', 4000], ['fs-b', 0]]);
  t.match(warnings.join(''), /status poll failed/);

  // A server that disconnects has no reading at all.
  b.up = false;
  await m.poll();
  t.same(m.readings().map((r) => r.host), ['fs-a']);
});

t.test('a poll still waiting on a slow server is not stacked', async (t) => {
  let calls = 0;
  let release!: () => void;
  const slow = new FakeServer('fs-slow');
  slow.answer = () => {
    calls += 1;
    return new Promise((r) => (release = () => r(STATUS)));
  };
  const m = new MediaLoadMonitor(() => [slow] as unknown as FsMediaServer[], pino({ level: 'silent' }));
  const first = m.poll();
  await m.poll();
  t.equal(calls, 1, 'the second poll returned at once');
  release();
  await first;
  t.equal(m.readings().length, 1);
});

t.test('admission control reads the call count and FreeSWITCH on every check', async (t) => {
  const metrics = new Metrics({ defaultMetrics: false });
  let calls = 0;
  const media = [{ host: 'fs-a', sessions: 10, idleCpuPct: 50, ageMs: 0 }];
  const control = new AdmissionControl(
    { maxCalls: 2, maxMediaSessions: 20, minIdleCpuPct: 0, maxEventLoopDelayMs: 0, retryAfterSec: 3, staleMediaMs: 3000 },
    { calls: () => calls, media: () => media },
    metrics,
  );
  t.equal(control.check({ kind: 'call' }).admit, true);
  calls = 2;
  t.match(control.check({ kind: 'call' }), { admit: false, reason: 'max_calls', retryAfterSec: 3, message: /2 calls/ });
  t.equal(control.check({ kind: 'call', emergency: true }).reason, 'emergency');
  calls = 0;
  media[0]!.sessions = 20;
  t.equal(control.check({ kind: 'supervision' }).reason, 'media_sessions');
  const counted = await metrics.admissions.get();
  const value = (kind: string, result: string, reason: string): number =>
    counted.values.find((v) => v.labels.kind === kind && v.labels.result === result && v.labels.reason === reason)?.value ?? -1;
  t.equal(value('call', 'admitted', 'within_limits'), 1);
  t.equal(value('call', 'refused', 'max_calls'), 1);
  t.equal(value('call', 'admitted', 'emergency'), 1);
  t.equal(value('supervision', 'refused', 'media_sessions'), 1);
  t.equal(value('supervision', 'refused', 'event_loop_delay'), 0);
});

t.test('a blocked event loop is seen, and refuses past the limit', async (t) => {
  const control = new AdmissionControl(
    { maxCalls: 0, maxMediaSessions: 0, minIdleCpuPct: 0, maxEventLoopDelayMs: 100, retryAfterSec: 1, staleMediaMs: 3000 },
    { calls: () => 0, media: () => [] },
    new Metrics({ defaultMetrics: false }),
  );
  control.start();
  t.teardown(() => control.stop());
  await new Promise((r) => setTimeout(r, 50));
  const until = Date.now() + 300;
  while (Date.now() < until) {
    /* a synchronous stretch the loop's monitor sees as delay */
  }
  await new Promise((r) => setTimeout(r, 20));
  control.tick();
  t.ok(control.readings().eventLoopDelayMs >= 100, `delay read: ${control.readings().eventLoopDelayMs.toFixed(0)} ms`);
  t.equal(control.check({ kind: 'call' }).reason, 'event_loop_delay');
  control.tick();
  t.ok(control.readings().eventLoopDelayMs < 100, 'a quiet window after it reads quiet again');
  t.equal(control.check({ kind: 'call' }).admit, true);
});
