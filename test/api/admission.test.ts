import t from 'tap';
import { AdmissionControl } from '../../src/app';
import type { AdmissionSettings, MediaLoad } from '../../src/domain';
import { startRedis } from '../helpers/redis';
import { activeCall, auth, makeWorld } from '../helpers/world';

/**
 * A supervision start past capacity: 503 overloaded with Retry-After, before anything
 * is claimed, dialed or written; under capacity again, the same request starts. Each
 * decision is counted in /metrics with its reason, beside the readings.
 */
const SETTINGS: AdmissionSettings = { maxCalls: 3, maxMediaSessions: 0, minIdleCpuPct: 25, maxEventLoopDelayMs: 0, retryAfterSec: 4, staleMediaMs: 3000 };

t.test('supervision starts past capacity get 503 overloaded', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const load = { calls: 0, media: [] as MediaLoad[] };
  let control: AdmissionControl | undefined;
  const w = await makeWorld(server, {
    refresh: false,
    admission: (metrics) => (control = new AdmissionControl(SETTINGS, { calls: () => load.calls, media: () => load.media }, metrics)),
  });
  t.teardown(w.close);
  await w.service.callChanged(activeCall(), { type: 'call_answered' });
  const start = () => w.app.inject({ method: 'POST', url: '/v1/calls/call-1/supervisions', headers: auth('sue'), payload: { target: 'internal', mode: 'monitor' } });

  load.calls = 3;
  const refused = await start();
  t.equal(refused.statusCode, 503);
  t.equal(refused.json().error.code, 'overloaded');
  t.match(refused.json().error.message, /ADMISSION_MAX_CALLS=3/);
  t.equal(refused.headers['retry-after'], '4');
  t.equal(w.signaling.dials.length, 0, 'nobody was dialed');
  t.equal((await w.store.timeline.list('call-1')).filter((e) => e.type === 'supervision_started').length, 0, 'nothing on the timeline');
  t.equal((await w.store.presence.get('sue')).status, 'available', 'status untouched');

  load.calls = 1;
  load.media = [{ host: '127.0.0.1', sessions: 12, idleCpuPct: 10, ageMs: 100 }];
  const cpu = await start();
  t.same([cpu.statusCode, cpu.json().error.code], [503, 'overloaded'], 'FreeSWITCH short of CPU refuses too');

  load.media = [{ host: '127.0.0.1', sessions: 12, idleCpuPct: 60, ageMs: 100 }];
  const ok = await start();
  t.equal(ok.statusCode, 201, 'under capacity again, the same request starts');
  t.equal(w.signaling.dials.length, 1);

  control!.tick();
  const metrics = await w.app.inject({ method: 'GET', url: '/metrics' });
  const text = metrics.body;
  t.match(text, /coachline_admission_decisions_total\{kind="supervision",result="refused",reason="max_calls"\} 1/);
  t.match(text, /coachline_admission_decisions_total\{kind="supervision",result="refused",reason="media_idle_cpu"\} 1/);
  t.match(text, /coachline_admission_decisions_total\{kind="supervision",result="admitted",reason="within_limits"\} 1/);
  t.match(text, /coachline_admission_decisions_total\{kind="call",result="refused",reason="event_loop_delay"\} 0/, 'every label set is there from the start');
  t.match(text, /coachline_admission_calls 1/);
  t.match(text, /coachline_admission_media_sessions\{host="127.0.0.1"\} 12/);
  t.match(text, /coachline_admission_media_idle_cpu_ratio\{host="127.0.0.1"\} 0.6/);
  t.match(text, /coachline_admission_event_loop_delay_seconds \d/);
});
