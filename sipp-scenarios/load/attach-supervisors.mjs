#!/usr/bin/env node
// During a load run, keeps one supervisor (monitor, or --mode) on as many live calls
// as there are supervisor tokens, through the API, and prints what it measured:
// requests, status codes with the API's error codes, API latency of
// POST /v1/calls/:id/supervisions, and — after it stops attaching, waiting up to
// --drain seconds for the calls to end — the sessions still live (there should be none).
//
//   node load/attach-supervisors.mjs --api http://127.0.0.1:3000 --tokens bench/load-tokens.txt --seconds 70
//
// A refused token waits before its next try, doubling up to 8 s (or the Retry-After
// the API sent), and a call that refused is left alone for 5 s: a stuck supervisor
// (409 supervisor_busy) or a full instance (503) is not hammered four times a second.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    api: { type: 'string', default: 'http://127.0.0.1:3000' },
    tokens: { type: 'string', default: 'load-tokens.txt' },
    seconds: { type: 'string', default: '60' },
    mode: { type: 'string', default: 'monitor' },
    drain: { type: 'string', default: '30' },
  },
});
const TICK_MS = 250;
const POLL_SESSIONS_MS = 1000;
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 8000;
const CALL_COOLDOWN_MS = 5000;

const tokens = readFileSync(values.tokens, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
const until = Date.now() + Number(values.seconds) * 1000;
/** token → { session, backoffMs, nextTry } */
const state = new Map(tokens.map((t) => [t, { session: undefined, backoffMs: FIRST_BACKOFF_MS, nextTry: 0 }]));
const callCooldown = new Map(); // callId → time it may be tried again
const codes = {};
const latencies = [];
let lastPoll = 0;

async function call(method, url, token, body) {
  const t0 = performance.now();
  try {
    const res = await fetch(values.api + url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const ms = performance.now() - t0;
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, body: json, retryAfterSec: Number(res.headers.get('retry-after') ?? 0), ms };
  } catch (err) {
    return { status: 0, body: { error: { code: err.cause?.code ?? 'network_error' } }, retryAfterSec: 0, ms: performance.now() - t0 };
  }
}

const live = (s) => s !== 'ended' && s !== 'failed';

while (Date.now() < until) {
  const now = Date.now();
  // Free the tokens whose sessions are over.
  if (now - lastPoll >= POLL_SESSIONS_MS) {
    lastPoll = now;
    for (const [token, st] of state) {
      if (!st.session) continue;
      const r = await call('GET', `/v1/supervisions/${st.session}`, token);
      if (r.status !== 200 || !live(r.body.state)) st.session = undefined;
    }
  }
  const ready = [...state].filter(([, st]) => !st.session && st.nextTry <= now).map(([token]) => token);
  if (ready.length > 0) {
    const list = await call('GET', '/v1/calls?limit=500', ready[0]);
    const calls = (list.body?.calls ?? []).filter(
      (c) => c.supervisable && !c.participants.some((p) => p.role === 'supervisor') && (callCooldown.get(c.id) ?? 0) <= now,
    );
    for (const c of calls) {
      const token = ready.shift();
      if (!token) break;
      const st = state.get(token);
      const r = await call('POST', `/v1/calls/${c.id}/supervisions`, token, { target: 'internal', mode: values.mode });
      const key = r.status === 201 ? '201' : `${r.status} ${r.body?.error?.code ?? '?'}`;
      codes[key] = (codes[key] ?? 0) + 1;
      latencies.push(r.ms);
      if (r.status === 201) {
        st.session = r.body.id;
        st.backoffMs = FIRST_BACKOFF_MS;
        st.nextTry = 0;
      } else {
        st.nextTry = Date.now() + Math.max(st.backoffMs, r.retryAfterSec * 1000);
        st.backoffMs = Math.min(st.backoffMs * 2, MAX_BACKOFF_MS);
        callCooldown.set(c.id, Date.now() + CALL_COOLDOWN_MS);
      }
    }
  }
  for (const [id, t] of callCooldown) if (t <= now) callCooldown.delete(id);
  await new Promise((r) => setTimeout(r, TICK_MS));
}

// Sessions end with their calls: wait for that, then report any that did not.
const drainUntil = Date.now() + Number(values.drain) * 1000;
let stillLive = [];
for (;;) {
  stillLive = [];
  for (const [token, st] of state) {
    if (!st.session) continue;
    const r = await call('GET', `/v1/supervisions/${st.session}`, token);
    if (r.status === 200 && live(r.body.state)) stillLive.push(`${st.session} (${r.body.state})`);
    else st.session = undefined;
  }
  if (stillLive.length === 0 || Date.now() >= drainUntil) break;
  await new Promise((r) => setTimeout(r, POLL_SESSIONS_MS));
}

latencies.sort((a, b) => a - b);
const q = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1) : '-');
console.log(`supervision requests: ${latencies.length}  codes: ${JSON.stringify(codes)}`);
console.log(`POST /v1/calls/:id/supervisions latency ms  p50 ${q(0.5)}  p95 ${q(0.95)}  max ${q(1)}`);
console.log(`sessions still live after the drain: ${stillLive.length}${stillLive.length ? `  ${stillLive.join(', ')}` : ''}`);
