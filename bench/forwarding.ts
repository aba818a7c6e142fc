/**
 * Commands through an instance that does not own the call (issue 13): two app instances
 * on one private redis-server (test/helpers/world.ts, recording SIP and media doubles).
 * Times, one request at a time, the same HTTP commands sent to the owner and to the
 * other instance, which forwards them to the owner over Redis pub/sub and back:
 *   - mode switch: PATCH sent → response (monitor ⇄ coach on one joined session);
 *   - supervision start → stop: POST then DELETE, sent → both answered.
 *
 *   npm run bench -- forwarding      (or: node --import tsx bench/forwarding.ts)
 *   BENCH_FORWARD_SAMPLES=300
 */
import type { AddressInfo } from 'node:net';
import { startRedis } from '../test/helpers/redis';
import { activeCall, makeWorld, supervisorToken, type Instance } from '../test/helpers/world';
import { Row, nowMs, percentile, printTable, runIfMain } from './lib/report';

const SAMPLES = Number(process.env.BENCH_FORWARD_SAMPLES ?? 300);

async function listen(i: Instance): Promise<string> {
  await i.app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(i.app.server.address() as AddressInfo).port}`;
}

export async function main(): Promise<void> {
  const redis = await startRedis();
  const w = await makeWorld(redis, { refresh: true, extraSupervisors: 2 });
  const other = await w.instance({ refresh: true });
  try {
    await w.service.callChanged(activeCall('call-a'), { type: 'call_answered' });
    await w.service.callChanged(activeCall('call-b', undefined, 'bob'), { type: 'call_answered' });
    const owner = await listen(w);
    const remote = await listen(other);
    const send = async (base: string, method: string, url: string, token: string, body?: unknown): Promise<any> => {
      const headers = { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) };
      const res = await fetch(`${base}${url}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
      const out = await res.json();
      if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(out)}`);
      return out;
    };

    const tokenS = supervisorToken(0);
    const session = await send(owner, 'POST', '/v1/calls/call-a/supervisions', tokenS, { target: 'internal', mode: 'monitor' });
    w.signaling.emit(session.id, { type: 'answered' });
    await w.service.idle();
    const switchVia = async (base: string): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < SAMPLES + 20; i++) {
        const t0 = nowMs();
        await send(base, 'PATCH', `/v1/supervisions/${session.id}`, tokenS, { mode: i % 2 === 0 ? 'coach' : 'monitor' });
        if (i >= 20) out.push(nowMs() - t0);
      }
      return out;
    };
    const tokenC = supervisorToken(1);
    const cycleVia = async (base: string): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < SAMPLES + 20; i++) {
        const t0 = nowMs();
        const s = await send(base, 'POST', '/v1/calls/call-b/supervisions', tokenC, { target: 'internal', mode: 'monitor' });
        await send(base, 'DELETE', `/v1/supervisions/${s.id}`, tokenC);
        if (i >= 20) out.push(nowMs() - t0);
      }
      return out;
    };
    // Alternate owner and forwarded runs so drift hits both alike.
    const local = { sw: [] as number[], cy: [] as number[] };
    const fwd = { sw: [] as number[], cy: [] as number[] };
    for (let round = 0; round < 2; round++) {
      local.sw.push(...(await switchVia(owner)));
      fwd.sw.push(...(await switchVia(remote)));
      local.cy.push(...(await cycleVia(owner)));
      fwd.cy.push(...(await cycleVia(remote)));
    }
    const rows: Row[] = [];
    for (const p of [50, 95, 99]) {
      rows.push({ metric: `mode switch through the other instance p${p}`, unit: 'ms', value: percentile(fwd.sw, p), baseline: percentile(local.sw, p), against: 'the same PATCH sent to the owner' });
    }
    for (const p of [50, 95, 99]) {
      rows.push({ metric: `start→stop through the other instance p${p}`, unit: 'ms', value: percentile(fwd.cy, p), baseline: percentile(local.cy, p), against: 'the same POST + DELETE sent to the owner' });
    }
    printTable('forwarding: commands sent to the instance that does not own the call', rows, [
      `${2 * SAMPLES} samples each after warm-ups, one request at a time; owner and forwarded runs alternate; one Redis on loopback`,
    ]);
  } finally {
    await w.close();
    await redis.stop();
  }
}

runIfMain(module, main);
