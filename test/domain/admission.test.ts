/** Admission control's decision (src/domain/admission.ts): every signal, its boundary, and the rules between them. */
import fc from 'fast-check';
import t from 'tap';
import { ADMISSION_REASONS, decideAdmission, type AdmissionReadings, type AdmissionSettings, type MediaLoad } from '../../src/domain';

const OFF: AdmissionSettings = { maxCalls: 0, maxMediaSessions: 0, minIdleCpuPct: 0, maxEventLoopDelayMs: 0, retryAfterSec: 2, staleMediaMs: 3000 };
const LIMITS: AdmissionSettings = { maxCalls: 100, maxMediaSessions: 250, minIdleCpuPct: 20, maxEventLoopDelayMs: 200, retryAfterSec: 2, staleMediaMs: 3000 };
const fs = (over: Partial<MediaLoad> = {}): MediaLoad => ({ host: 'fs1', sessions: 10, idleCpuPct: 80, ageMs: 500, ...over });
const quiet = (over: Partial<AdmissionReadings> = {}): AdmissionReadings => ({ calls: 5, media: [fs()], eventLoopDelayMs: 12, ...over });

type Case = [name: string, readings: AdmissionReadings, settings: AdmissionSettings, expected: string];

const CASES: Case[] = [
  ['every limit off, however loaded', { calls: 1e6, media: [fs({ sessions: 1e6, idleCpuPct: 0 })], eventLoopDelayMs: 1e5 }, OFF, 'within_limits'],
  ['quiet, every limit on', quiet(), LIMITS, 'within_limits'],
  // the call ceiling
  ['one call under the ceiling', quiet({ calls: 99 }), LIMITS, 'within_limits'],
  ['at the ceiling', quiet({ calls: 100 }), LIMITS, 'max_calls'],
  ['over the ceiling', quiet({ calls: 130 }), LIMITS, 'max_calls'],
  ['ceiling off', quiet({ calls: 5000 }), { ...LIMITS, maxCalls: 0 }, 'within_limits'],
  // FreeSWITCH sessions
  ['one session under', quiet({ media: [fs({ sessions: 249 })] }), LIMITS, 'within_limits'],
  ['sessions at the limit', quiet({ media: [fs({ sessions: 250 })] }), LIMITS, 'media_sessions'],
  ['session limit off', quiet({ media: [fs({ sessions: 5000 })] }), { ...LIMITS, maxMediaSessions: 0 }, 'within_limits'],
  // FreeSWITCH idle CPU
  ['idle CPU at the floor', quiet({ media: [fs({ idleCpuPct: 20 })] }), LIMITS, 'within_limits'],
  ['idle CPU under the floor', quiet({ media: [fs({ idleCpuPct: 19.9 })] }), LIMITS, 'media_idle_cpu'],
  ['no idle CPU at all', quiet({ media: [fs({ idleCpuPct: 0 })] }), LIMITS, 'media_idle_cpu'],
  ['idle CPU floor off', quiet({ media: [fs({ idleCpuPct: 0 })] }), { ...LIMITS, minIdleCpuPct: 0 }, 'within_limits'],
  ['both media limits over: sessions named', quiet({ media: [fs({ sessions: 300, idleCpuPct: 1 })] }), LIMITS, 'media_sessions'],
  // several servers: a call goes to the least busy one
  ['one server over, another fine', quiet({ media: [fs({ host: 'fs1', sessions: 300 }), fs({ host: 'fs2', sessions: 20 })] }), LIMITS, 'within_limits'],
  ['one over on sessions, the other on CPU', quiet({ media: [fs({ host: 'fs1', sessions: 300 }), fs({ host: 'fs2', idleCpuPct: 5 })] }), LIMITS, 'media_sessions'],
  ['every server short of CPU', quiet({ media: [fs({ host: 'fs1', idleCpuPct: 5 }), fs({ host: 'fs2', idleCpuPct: 10 })] }), LIMITS, 'media_idle_cpu'],
  // stale and missing readings say nothing
  ['an over server whose reading is stale', quiet({ media: [fs({ sessions: 300, ageMs: 3001 })] }), LIMITS, 'within_limits'],
  ['a reading exactly at the stale age still counts', quiet({ media: [fs({ sessions: 300, ageMs: 3000 })] }), LIMITS, 'media_sessions'],
  ['a stale fine server does not save a fresh over one', quiet({ media: [fs({ host: 'fs1', sessions: 300 }), fs({ host: 'fs2', ageMs: 10_000 })] }), LIMITS, 'media_sessions'],
  ['no FreeSWITCH reading at all', quiet({ media: [] }), LIMITS, 'within_limits'],
  // the event loop
  ['loop delay under', quiet({ eventLoopDelayMs: 199 }), LIMITS, 'within_limits'],
  ['loop delay at the limit', quiet({ eventLoopDelayMs: 200 }), LIMITS, 'event_loop_delay'],
  ['loop delay limit off', quiet({ eventLoopDelayMs: 5000 }), { ...LIMITS, maxEventLoopDelayMs: 0 }, 'within_limits'],
  // order when several are over: the ceiling, then media, then the loop
  ['everything over: the ceiling is named', { calls: 500, media: [fs({ sessions: 900, idleCpuPct: 0 })], eventLoopDelayMs: 900 }, LIMITS, 'max_calls'],
  ['media and loop over: media is named', quiet({ media: [fs({ idleCpuPct: 0 })], eventLoopDelayMs: 900 }), LIMITS, 'media_idle_cpu'],
];

t.test('each signal at, under and over its limit, for calls and supervisions alike', async (t) => {
  for (const [name, readings, settings, expected] of CASES) {
    for (const kind of ['call', 'supervision'] as const) {
      const d = decideAdmission(readings, settings, { kind });
      t.equal(d.reason, expected, `${kind}: ${name}`);
      t.equal(d.admit, expected === 'within_limits', `${kind}: ${name}: ${d.admit ? 'admitted' : 'refused'}`);
    }
  }
});

t.test('a refusal carries Retry-After and a sentence naming the setting', async (t) => {
  const d = decideAdmission(quiet({ calls: 100 }), { ...LIMITS, retryAfterSec: 7 }, { kind: 'call' });
  if (d.admit) return void t.fail('expected a refusal');
  t.equal(d.retryAfterSec, 7);
  t.match(d.message, /100 calls/);
  t.match(d.message, /ADMISSION_MAX_CALLS=100/);
  t.match(d.message, /7 s/);
  const cpu = decideAdmission(quiet({ media: [fs({ idleCpuPct: 3.25 })] }), LIMITS, { kind: 'supervision' });
  t.match(!cpu.admit && cpu.message, /3\.3 % idle CPU.*ADMISSION_MIN_IDLE_CPU=20/);
});

t.test('an emergency call is admitted past every limit; an emergency flag means nothing to a supervision', async (t) => {
  const overloaded: AdmissionReadings = { calls: 500, media: [fs({ sessions: 900, idleCpuPct: 0 })], eventLoopDelayMs: 900 };
  t.same(decideAdmission(overloaded, LIMITS, { kind: 'call', emergency: true }), { admit: true, reason: 'emergency' });
  t.equal(decideAdmission(overloaded, LIMITS, { kind: 'supervision', emergency: true }).reason, 'max_calls');
});

// ---- properties over random readings and settings ----

const media = fc.record({
  host: fc.constantFrom('fs1', 'fs2', 'fs3'),
  sessions: fc.integer({ min: 0, max: 600 }),
  idleCpuPct: fc.double({ min: 0, max: 100, noNaN: true }),
  ageMs: fc.integer({ min: 0, max: 6000 }),
});
const readings = fc.record({ calls: fc.integer({ min: 0, max: 300 }), media: fc.array(media, { maxLength: 3 }), eventLoopDelayMs: fc.double({ min: 0, max: 1000, noNaN: true }) });
const settings = fc.record({
  maxCalls: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 300 })),
  maxMediaSessions: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 600 })),
  minIdleCpuPct: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 99 })),
  maxEventLoopDelayMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 })),
  retryAfterSec: fc.integer({ min: 1, max: 60 }),
  staleMediaMs: fc.constant(3000),
});
const kind = fc.constantFrom('call' as const, 'supervision' as const);

t.test('a refusal is always true of the readings: the named signal is over its limit', async (t) => {
  fc.assert(
    fc.property(readings, settings, kind, (r, s, k) => {
      const d = decideAdmission(r, s, { kind: k });
      if (d.admit) return true;
      if (!ADMISSION_REASONS.includes(d.reason) || d.retryAfterSec !== s.retryAfterSec) return false;
      const fresh = r.media.filter((m) => m.ageMs <= s.staleMediaMs);
      switch (d.reason) {
        case 'max_calls':
          return s.maxCalls > 0 && r.calls >= s.maxCalls;
        case 'media_sessions':
          return s.maxMediaSessions > 0 && fresh.some((m) => m.sessions >= s.maxMediaSessions);
        case 'media_idle_cpu':
          return s.minIdleCpuPct > 0 && fresh.length > 0 && fresh.every((m) => m.idleCpuPct < s.minIdleCpuPct);
        case 'event_loop_delay':
          return s.maxEventLoopDelayMs > 0 && r.eventLoopDelayMs >= s.maxEventLoopDelayMs;
      }
    }),
    { numRuns: 3000 },
  );
  t.pass('3000 random cases');
});

t.test('an admission is always true of the readings: no signal is over its limit on every fresh server', async (t) => {
  fc.assert(
    fc.property(readings, settings, kind, (r, s, k) => {
      const d = decideAdmission(r, s, { kind: k });
      if (!d.admit) return true;
      const fresh = r.media.filter((m) => m.ageMs <= s.staleMediaMs);
      const serverOver = (m: MediaLoad): boolean => (s.maxMediaSessions > 0 && m.sessions >= s.maxMediaSessions) || (s.minIdleCpuPct > 0 && m.idleCpuPct < s.minIdleCpuPct);
      return (
        !(s.maxCalls > 0 && r.calls >= s.maxCalls) &&
        !(fresh.length > 0 && fresh.every(serverOver)) &&
        !(s.maxEventLoopDelayMs > 0 && r.eventLoopDelayMs >= s.maxEventLoopDelayMs)
      );
    }),
    { numRuns: 3000 },
  );
  t.pass('3000 random cases');
});

t.test('more load never turns a refusal into an admission', async (t) => {
  fc.assert(
    fc.property(readings, settings, kind, fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), fc.double({ min: 0, max: 30, noNaN: true }), (r, s, k, dc, ds, dcpu) => {
      const more: AdmissionReadings = {
        calls: r.calls + dc,
        media: r.media.map((m) => ({ ...m, sessions: m.sessions + ds, idleCpuPct: Math.max(0, m.idleCpuPct - dcpu) })),
        eventLoopDelayMs: r.eventLoopDelayMs + dcpu,
      };
      return decideAdmission(r, s, { kind: k }).admit || !decideAdmission(more, s, { kind: k }).admit;
    }),
    { numRuns: 3000 },
  );
  t.pass('3000 random cases');
});
