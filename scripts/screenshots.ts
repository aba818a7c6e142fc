/**
 * npm run screenshots: the page's screenshots in docs/screenshots/, taken in headless
 * Chromium against the real app and API on a private Redis (the SIP and media sides are
 * the tests' doubles), with a small made-up contact center.
 *
 *   calls-list.png    a supervisor's live calls
 *   call-details.png  a call's details while that supervisor coaches its agent
 *   agent-view.png    the coached agent's page ("… is coaching you")
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { Call, addRinging, newCall, participantAnswered, setHeld, startTransfer } from '../src/domain';
import { eventually } from '../test/helpers/config';
import { startRedis } from '../test/helpers/redis';
import { TOKENS, makeWorld, type World } from '../test/helpers/world';
import { haveChromium, launchBrowser, signIn, NO_CHROMIUM, testWebAssets } from '../test/helpers/browser';

const OUT = path.resolve(__dirname, '..', 'docs', 'screenshots');
const SALES = '+34910000001';
const SUPPORT = '+34910000003';

const AGENTS = [
  ['lucia', 'Lucía Romero'],
  ['marco', 'Marco Bianchi'],
  ['amara', 'Amara Okafor'],
  ['jonas', 'Jonas Weber'],
  ['sofia', 'Sofía Castro'],
  ['kenji', 'Kenji Sato'],
  ['ines', 'Inês Duarte'],
] as const;
const CARLA = { id: 'carla', name: 'Carla Jiménez', token: 'supervisor-carla-token-0123456789' };
const LUCIA_TOKEN = 'agent-lucia-token-0123456789';

async function seed(w: World): Promise<void> {
  const admin = { authorization: `Bearer ${TOKENS.root}` };
  const api = async (method: 'POST' | 'PUT', url: string, payload: object): Promise<void> => {
    const r = await w.app.inject({ method, url, headers: admin, payload });
    if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
  };
  for (const [id, name] of AGENTS) await api('POST', '/v1/users', { id, name, role: 'agent', ...(id === 'lucia' ? { tokens: [LUCIA_TOKEN] } : {}) });
  await api('POST', '/v1/users', {
    id: CARLA.id, name: CARLA.name, role: 'supervisor', permissions: ['monitor', 'coach'], device: { kind: 'sip_uri', uri: 'sip:carla@desk.example' }, tokens: [CARLA.token],
  });
  const ids = AGENTS.map(([id]) => id);
  await api('PUT', `/v1/numbers/${encodeURIComponent(SALES)}`, { name: 'Sales', distribution: ['ana', 'bob', 'sue', 'rem', 'root', CARLA.id, ...ids] });
  await api('POST', '/v1/numbers', { e164: SUPPORT, name: 'Customer care', distribution: ['sue', 'root', CARLA.id, ...ids.slice(3)] });

  const calls: Array<{ call: Call; minutesAgo: number }> = [];
  const make = (i: number, number: string, agent: string, customer: string, direction: 'inbound' | 'outbound' = 'inbound'): Call => {
    let c = newCall({ id: `call-${1000 + i}`, direction, number, emergency: false, customer: { id: 'c', address: customer } });
    c = addRinging(c, { id: 'a', kind: 'internal', userId: agent, address: `sip:${agent}@pbx.example`, origin: 'call' });
    return participantAnswered(c, 'a');
  };
  calls.push({ call: make(1, SALES, 'lucia', '+34600123456'), minutesAgo: 4.3 });
  calls.push({ call: make(2, SALES, 'marco', '+34611987654', 'outbound'), minutesAgo: 12.1 });
  calls.push({ call: setHeld(make(3, SUPPORT, 'amara', '+447700900123'), 'a', true), minutesAgo: 7.6 });
  calls.push({ call: make(4, SUPPORT, 'jonas', '+4915112345678'), minutesAgo: 1.2 });
  let t = make(5, SALES, 'sofia', '+34622334455');
  t = addRinging(t, { id: 'b', kind: 'internal', userId: 'kenji', address: 'sip:kenji@pbx.example', origin: 'transfer' });
  calls.push({ call: startTransfer(t, { kind: 'blind', by: 'a', target: 'b' }), minutesAgo: 9.4 });
  calls.push({ call: make(6, SUPPORT, 'ines', '+33612345678'), minutesAgo: 0.4 });
  calls.push({ call: make(7, '+34910000002', 'ana', '+34699000111'), minutesAgo: 3.1 });

  const now = Date.now();
  for (const { call, minutesAgo } of calls) {
    const at = new Date(now - minutesAgo * 60_000).toISOString();
    await w.store.calls.save({ call, owner: 'instance-1', startedAt: at, updatedAt: at }, undefined, now);
    await w.service.callChanged(call, { type: 'call_answered', actor: 'a' });
  }
  // Another supervisor already monitors Marco's call.
  const sue = { authorization: `Bearer ${TOKENS.sue}` };
  const r = await w.app.inject({ method: 'POST', url: '/v1/calls/call-1002/supervisions', headers: sue, payload: { target: 'internal', mode: 'monitor' } });
  w.signaling.emit(r.json().id as string, { type: 'answered' });
  await w.service.idle();
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.evaluate('document.activeElement && document.activeElement.blur()');
  await page.screenshot({ path: path.join(OUT, name), fullPage: true });
  process.stdout.write(`docs/screenshots/${name}\n`);
}

async function main(): Promise<void> {
  if (!haveChromium()) {
    process.stderr.write(`${NO_CHROMIUM}\n`);
    process.exit(3);
  }
  const redis = await startRedis();
  const w = await makeWorld(redis, { refresh: false, web: await testWebAssets() });
  const browser = await launchBrowser({ viewport: { width: 1360, height: 760 } });
  try {
    await seed(w);
    await w.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(w.app.server.address() as { port: number }).port}/`;

    const carla = await browser.page();
    if (process.env.DEBUG_PAGE) {
      carla.on('console', (m) => process.stdout.write(`console ${m.type()} ${m.text()}\n`));
      carla.on('response', (r) => process.stdout.write(`${r.status()} ${r.request().method()} ${r.url()}\n`));
    }
    await signIn(carla, url, CARLA.token);
    await carla.getByRole('row').filter({ hasText: 'Lucía Romero' }).waitFor();
    await shoot(carla, 'calls-list.png');

    await carla.getByRole('link', { name: /Details of the call from \+34600123456/ }).click();
    await carla.getByRole('button', { name: 'Coach Lucía Romero' }).click();
    await carla.getByRole('checkbox', { name: /Notify/ }).check();
    const before = w.signaling.dials.length;
    await carla.getByRole('button', { name: 'Start coaching' }).click();
    await eventually(() => w.signaling.dials.length > before, 5000, 'the supervisor dialed');
    const dialed = w.signaling.dials.at(-1)!;
    w.signaling.emit(dialed.sessionId, { type: 'answered' });
    await w.service.idle();
    await carla.getByTestId('session-title').filter({ hasText: 'You are coaching Lucía Romero' }).waitFor();
    await carla.getByRole('region', { name: 'Internal' }).getByText('Carla Jiménez').waitFor();
    await shoot(carla, 'call-details.png');

    const lucia = await browser.page();
    await lucia.setViewportSize({ width: 900, height: 560 });
    await signIn(lucia, url, LUCIA_TOKEN);
    await lucia.getByTestId('coach-notice').waitFor();
    await shoot(lucia, 'agent-view.png');
  } finally {
    await browser.close();
    await w.close();
    await redis.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
