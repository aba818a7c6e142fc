/**
 * The live supervision page with 1,000 live calls, in headless Chromium (Debian's
 * /usr/bin/chromium), against the real app and API on a private Redis (the world of
 * bench/api.ts: the same 1,000 calls). Measures, each beside a baseline taken in the
 * same browser and run:
 *   - first render: page load (signed in) → the first page of the list shown with
 *     "1,000 live". Baseline: the same data read by a bare fetch of every page of
 *     GET /v1/calls from that page (network + JSON, no rendering).
 *   - a burst: every call held (1,000 events as fast as the server makes them), then a
 *     marker call: burst start → the marker on screen. Baseline: a bare EventSource in
 *     a page of its own that only parses the events: burst start → the marker event
 *     received. With it: the main thread's busy time per event (CDP TaskDuration),
 *     the longest task (Long Tasks API) and frames per second during the burst.
 *
 *   npm run bench -- web        (or: node --expose-gc --import tsx bench/web.ts)
 *   BENCH_WEB_CALLS=1000 BENCH_WEB_ROUNDS=3
 */
import type { AddressInfo } from 'node:net';
import type { CDPSession, Page } from 'playwright-core';
import { activeCallFor } from './lib/web-calls';
import { endCall, setHeld } from '../src/domain';
import { startRedis } from '../test/helpers/redis';
import { TOKENS, makeWorld, type World } from '../test/helpers/world';
import { haveChromium, launchBrowser, NO_CHROMIUM, testWebAssets } from '../test/helpers/browser';
import { benchCall } from './api';
import { Row, median, printTable, runIfMain } from './lib/report';

const CALLS = Number(process.env.BENCH_WEB_CALLS ?? 1000);
const ROUNDS = Number(process.env.BENCH_WEB_ROUNDS ?? 3);

async function taskSeconds(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
}

/**
 * Reloads the signed-in page; ms from navigation to the list's first render with calls
 * (the page's own performance mark, so no polling granularity is measured).
 */
async function firstRender(page: Page, total: number): Promise<number> {
  await page.reload();
  // Locators, not waitForFunction: the page's CSP (no eval) applies to the bench too.
  await page.getByTestId('calls-count').filter({ hasText: new RegExp(`^${total.toLocaleString()} live$`) }).waitFor({ timeout: 60_000 });
  await page.locator('tr[data-call-id]').nth(49).waitFor({ timeout: 60_000 });
  return Number(await page.evaluate(`performance.getEntriesByName('coachline:first-list')[0].startTime`));
}

/** Notes (in page time) when a row for `callId` appears; read back with seenAt(). */
const watchRow = (page: Page, callId: string): Promise<unknown> =>
  page.evaluate(`(() => {
    window.seenAt = 0;
    const sel = 'tr[data-call-id=${JSON.stringify(callId)}]';
    const mo = new MutationObserver(() => {
      if (document.querySelector(sel)) { window.seenAt = performance.now(); mo.disconnect(); }
    });
    mo.observe(document.body, { childList: true, subtree: true });
  })()`);

/** The data floor: every page of GET /v1/calls fetched and parsed in the page, nothing rendered. */
async function fetchFloor(page: Page, token: string): Promise<number> {
  // In-page code is a string: this file is type-checked for Node, without the DOM's types.
  return Number(
    await page.evaluate(`(async () => {
      const t0 = performance.now();
      let cursor;
      do {
        const r = await fetch('v1/calls?limit=500' + (cursor ? '&cursor=' + cursor : ''), { headers: { authorization: 'Bearer ' + ${JSON.stringify(token)} } });
        cursor = (await r.json()).next;
      } while (cursor);
      return performance.now() - t0;
    })()`),
  );
}

/** A page with a bare EventSource that only parses events and notes when `marker` arrives. */
async function bareListener(page: Page, token: string): Promise<void> {
  await page.evaluate(`(async () => {
    const t = await (await fetch('v1/events/tickets', { method: 'POST', headers: { authorization: 'Bearer ' + ${JSON.stringify(token)} } })).json();
    window.es = new EventSource('v1/events?ticket=' + t.ticket + '&lastEventId=' + t.lastEventId + '&dispatch=message');
    window.seenAt = {};
    window.es.onmessage = (m) => {
      const e = JSON.parse(m.data);
      if (e.callId && e.callId.startsWith('marker')) window.seenAt[e.callId] = performance.now();
    };
    await new Promise((resolve) => (window.es.onopen = resolve));
  })()`);
}

/** Holds (or resumes) every call, then starts a marker call. */
async function burst(w: World, round: number, held: boolean): Promise<{ marker: string }> {
  const BATCH = 50;
  for (let i = 0; i < CALLS; i += BATCH) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(CALLS, i + BATCH); j++) batch.push(w.service.callChanged(setHeld(benchCall(j), 'a1', held), { type: held ? 'hold' : 'resume', actor: 'a1' }));
    await Promise.all(batch);
  }
  const marker = `marker-${round}`;
  await w.service.callChanged(activeCallFor(marker), { type: 'call_answered' });
  return { marker };
}

export async function main(): Promise<void | 'skipped'> {
  if (!haveChromium()) {
    process.stdout.write(`\n== web: skipped — ${NO_CHROMIUM}\n`);
    return 'skipped';
  }
  const redis = await startRedis();
  const w = await makeWorld(redis, { refresh: true, web: await testWebAssets() });
  const browser = await launchBrowser({ viewport: { width: 1360, height: 900 } });
  try {
    w.media.applyPlan = async () => undefined;
    await w.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(w.app.server.address() as AddressInfo).port}/`;
    for (let i = 0; i < CALLS; i += 50) {
      const batch: Promise<void>[] = [];
      for (let j = i; j < Math.min(CALLS, i + 50); j++) batch.push(w.service.callChanged(benchCall(j), { type: 'call_answered' }));
      await Promise.all(batch);
    }
    await w.service.idle();

    const page = await browser.page();
    await page.goto(url);
    await page.evaluate(`sessionStorage.setItem('coachline.token', ${JSON.stringify(TOKENS.sue)})`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');

    // ---- first render ----
    await firstRender(page, CALLS); // warm: the bundle compiled, the server's paths hot
    const renders: number[] = [];
    const floors: number[] = [];
    for (let r = 0; r < ROUNDS + 2; r++) {
      renders.push(await firstRender(page, CALLS));
      floors.push(await fetchFloor(page, TOKENS.sue));
    }

    // ---- bursts: the page ----
    const total = CALLS + ROUNDS;
    await page.evaluate(`(() => {
      window.longest = 0;
      window.frames = 0;
      new PerformanceObserver((list) => list.getEntries().forEach((e) => (window.longest = Math.max(window.longest, e.duration)))).observe({ type: 'longtask' });
      const tick = () => { window.frames += 1; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    const pageLat: number[] = [];
    const busyPerEvent: number[] = [];
    const fps: number[] = [];
    let longest = 0;
    for (let r = 0; r < ROUNDS; r++) {
      await page.evaluate('window.longest = 0; window.frames = 0');
      const busy0 = await taskSeconds(cdp);
      await watchRow(page, `marker-${r}`);
      const start = Number(await page.evaluate('performance.now()'));
      const { marker } = await burst(w, r, r % 2 === 0);
      await page.locator(`tr[data-call-id="${marker}"]`).waitFor({ timeout: 60_000 });
      const lat = Number(await page.evaluate('window.seenAt')) - start;
      pageLat.push(lat);
      busyPerEvent.push(((await taskSeconds(cdp)) - busy0) * 1000 / (CALLS + 1));
      const m = (await page.evaluate('({ longest: window.longest, frames: window.frames })')) as { longest: number; frames: number };
      fps.push(m.frames / (lat / 1000));
      longest = Math.max(longest, m.longest);
      await page.waitForTimeout(300);
    }
    const count = await page.getByTestId('calls-count').innerText();
    if (count !== `${total.toLocaleString()} live`) throw new Error(`the page counts ${count}, ${total} expected`);
    await page.close();

    // ---- bursts: the bare listener ----
    const bare = await browser.page();
    await bare.goto(url);
    await bareListener(bare, TOKENS.sue);
    const bareCdp = await bare.context().newCDPSession(bare);
    await bareCdp.send('Performance.enable');
    const bareLat: number[] = [];
    const bareBusy: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const busy0 = await taskSeconds(bareCdp);
      const start = Number(await bare.evaluate('performance.now()'));
      const { marker } = await burst(w, ROUNDS + r, r % 2 === 1);
      const key = `window.seenAt[${JSON.stringify(marker)}]`;
      while (!(await bare.evaluate(key))) await bare.waitForTimeout(20);
      bareLat.push(Number(await bare.evaluate(key)) - start);
      bareBusy.push(((await taskSeconds(bareCdp)) - busy0) * 1000 / (CALLS + 1));
      await bare.waitForTimeout(300);
    }
    for (let r = 0; r < 2 * ROUNDS; r++) await w.service.callChanged(endCall(activeCallFor(`marker-${r}`)), { type: 'call_ended' });

    const rows: Row[] = [
      { metric: `first render, ${CALLS} calls (signed-in load → first page shown)`, unit: 'ms', value: median(renders), baseline: median(floors), against: 'bare fetch + JSON.parse of every GET /v1/calls page, same page, same run' },
      { metric: `burst of ${CALLS} call events → page up to date`, unit: 'ms', value: median(pageLat), baseline: median(bareLat), against: 'a bare EventSource that only parses the same events, same browser, same run' },
      { metric: 'main-thread busy per event during the burst', unit: 'ms', value: median(busyPerEvent), baseline: median(bareBusy) },
      { metric: 'frames per second during the burst', unit: 'fps', value: median(fps) },
      { metric: 'longest main-thread task during the bursts (0: none over 50 ms)', unit: 'ms', value: longest },
    ];
    printTable(`web: the page with ${CALLS} live calls, headless Chromium, 127.0.0.1`, rows, [
      `first render: median of ${ROUNDS + 2} loads after one warm-up (the page reads ${Math.ceil(CALLS / 500)} pages of 500 calls, renders 50 rows); bursts: median of ${ROUNDS}`,
      'a burst holds or resumes every call through service.callChanged (1 event each), then starts a marker call; the page reads changed calls again (one listing past 60 at once)',
    ]);
  } finally {
    await browser.close();
    await w.close();
    await redis.stop();
  }
}

runIfMain(module, main);
