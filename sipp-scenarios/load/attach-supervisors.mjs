#!/usr/bin/env node
// During a load run, keeps one supervisor (monitor, or --mode) on as many live calls
// as there are supervisor tokens, through the API, and prints what it measured:
// requests, status codes, and API latency of POST /v1/calls/:id/supervisions.
//
//   node attach-supervisors.mjs --api http://127.0.0.1:3000 --tokens bench/load-tokens.txt --seconds 60
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    api: { type: 'string', default: 'http://127.0.0.1:3000' },
    tokens: { type: 'string', default: 'load-tokens.txt' },
    seconds: { type: 'string', default: '60' },
    mode: { type: 'string', default: 'monitor' },
  },
});
const tokens = readFileSync(values.tokens, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
const until = Date.now() + Number(values.seconds) * 1000;
const free = [...tokens];
const busy = new Map(); // sessionId → token
const codes = {};
const latencies = [];

async function call(method, url, token, body) {
  const t0 = performance.now();
  const res = await fetch(values.api + url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const ms = performance.now() - t0;
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, ms };
}

while (Date.now() < until) {
  // Free the tokens whose sessions are over.
  for (const [id, token] of busy) {
    const r = await call('GET', `/v1/supervisions/${id}`, token);
    if (r.status !== 200 || r.body.state === 'ended' || r.body.state === 'failed') {
      busy.delete(id);
      free.push(token);
    }
  }
  if (free.length > 0) {
    const list = await call('GET', '/v1/calls', free[0]);
    const calls = (list.body?.calls ?? []).filter((c) => c.supervisable && !c.participants.some((p) => p.role === 'supervisor'));
    for (const c of calls) {
      const token = free.shift();
      if (!token) break;
      const r = await call('POST', `/v1/calls/${c.id}/supervisions`, token, { target: 'internal', mode: values.mode });
      codes[r.status] = (codes[r.status] ?? 0) + 1;
      latencies.push(r.ms);
      if (r.status === 201) busy.set(r.body.id, token);
      else free.push(token);
    }
  }
  await new Promise((r) => setTimeout(r, 250));
}
latencies.sort((a, b) => a - b);
const q = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1) : '-');
console.log(`supervision requests: ${latencies.length}  codes: ${JSON.stringify(codes)}`);
console.log(`POST /v1/calls/:id/supervisions latency ms  p50 ${q(0.5)}  p95 ${q(0.95)}  max ${q(1)}`);
