import type { Socket } from 'node:net';
import t from 'tap';
import type { Page, Route } from 'playwright-core';
import { endCall, setHeld } from '../../src/domain';
import { eventually } from '../helpers/config';
import { startRedis } from '../helpers/redis';
import { LEGAL, TOKENS, activeCall, auth, makeWorld } from '../helpers/world';
import { NO_CHROMIUM, haveChromium, launchBrowser, signIn, testWebAssets } from '../helpers/browser';

/**
 * The live supervision page in headless Chromium, against the real app, API and a
 * private Redis; the SIP and media sides are the recording doubles, which the test
 * drives as the supervisor's phone would (ringing, answered).
 */
if (!haveChromium()) {
  // CI installs chromium (.ci/run): there, its absence is a failure, not a skip.
  if (process.env.CI) t.fail(NO_CHROMIUM);
  else t.comment(NO_CHROMIUM);
} else {
  t.test('the live supervision page', { timeout: 240_000 }, async (t) => {
    const server = await startRedis();
    t.teardown(server.stop);
    const w = await makeWorld(server, { refresh: false, web: await testWebAssets() });
    t.teardown(w.close);
    await w.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(w.app.server.address() as { port: number }).port}/`;
    const sockets = new Set<Socket>();
    w.app.server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    const browser = await launchBrowser();
    t.teardown(browser.close);
    const pageErrors: string[] = [];
    const dialogs: string[] = [];
    const newPage = async (): Promise<Page> => {
      const p = await browser.page();
      p.on('pageerror', (e) => pageErrors.push(e.message));
      p.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      return p;
    };
    const sue = await newPage();
    const dialsBefore = (): number => w.signaling.dials.length;
    const nextDial = async (n: number): Promise<string> => {
      await eventually(() => w.signaling.dials.length > n, 5000, 'the supervisor’s phone dialed');
      return w.signaling.dials.at(-1)!.sessionId;
    };
    const answer = async (sessionId: string): Promise<void> => {
      w.signaling.emit(sessionId, { type: 'answered' });
      await w.service.idle();
    };
    const sessionTitle = (p: Page) => p.getByTestId('session-title');

    t.test('sign-in: a wrong token is refused, the right one kept for the tab only, sign-out forgets it', async (t) => {
      await sue.goto(url);
      await sue.getByLabel('API token').fill('not-a-token-at-all-0000');
      await sue.getByLabel('API token').press('Enter');
      await sue.getByRole('alert').filter({ hasText: 'That token is not valid.' }).waitFor();
      t.equal(await sue.evaluate('sessionStorage.length'), 0, 'nothing kept');
      await signIn(sue, url, TOKENS.sue);
      t.match(await sue.getByTestId('whoami').innerText(), /Sue Supervisor\s+Supervisor/);
      t.equal(await sue.evaluate(`sessionStorage.getItem('coachline.token')`), TOKENS.sue, 'sessionStorage, this tab');
      t.equal(await sue.evaluate('localStorage.length'), 0, 'nothing in localStorage');
      t.same(await browser.context.cookies(), [], 'no cookies');
      await sue.reload();
      await sue.getByTestId('live-indicator').filter({ hasText: 'Live' }).waitFor();
      t.pass('a reload keeps the tab signed in');
      await sue.getByRole('button', { name: 'Sign out' }).click();
      await sue.getByLabel('API token').waitFor();
      t.equal(await sue.evaluate('sessionStorage.length'), 0, 'signed out: forgotten');
      // Keyboard only: Tab to the field, type, Enter.
      await sue.keyboard.press('Tab');
      await sue.keyboard.type(TOKENS.sue);
      await sue.keyboard.press('Enter');
      await sue.getByTestId('live-indicator').filter({ hasText: 'Live' }).waitFor();
      t.equal(await sue.getByRole('link', { name: 'Calls' }).getAttribute('aria-current'), 'page', 'a supervisor gets calls and users');
    });

    t.test('the list follows calls as they start, change and end', async (t) => {
      const call = activeCall('call-live', undefined, 'ana');
      await w.service.callChanged(call, { type: 'call_answered', actor: 'A' });
      const row = sue.locator('tr[data-call-id="call-live"]');
      await row.waitFor();
      t.match(await row.innerText(), /Sales[\s\S]*\+34600000001[\s\S]*Ana Agent[\s\S]*Active/);
      await w.service.callChanged(setHeld(call, 'A', true), { type: 'hold', actor: 'A' });
      await row.locator('.badge', { hasText: 'On hold' }).waitFor();
      t.pass('held');
      await w.service.callChanged(endCall(setHeld(call, 'A', true)), { type: 'call_ended' });
      await row.waitFor({ state: 'detached' });
      t.equal(await sue.getByTestId('calls-count').innerText(), '0 live');
    });

    t.test('monitor → active; switch to coach with notify, the agent is told; coach without notify and monitor tell nobody', async (t) => {
      await w.service.callChanged(activeCall('call-1', undefined, 'ana'), { type: 'call_answered', actor: 'A' });
      const ana = await newPage();
      await signIn(ana, url, TOKENS.ana);
      await ana.locator('article[data-call-id="call-1"]').waitFor();
      t.equal(await ana.getByRole('link', { name: 'Users' }).count(), 0, 'an agent gets their own call, nothing else');

      await sue.locator('tr[data-call-id="call-1"]').getByRole('link', { name: /Details of the call from \+34600000001 on Sales/ }).click();
      await sue.getByRole('heading', { name: /Call from \+34600000001/ }).waitFor();
      let n = dialsBefore();
      await sue.getByRole('button', { name: 'Monitor Ana Agent' }).click();
      await sessionTitle(sue).filter({ hasText: 'Calling your phone…' }).waitFor();
      const sid = await nextDial(n);
      w.signaling.emit(sid, { type: 'ringing' });
      await sessionTitle(sue).filter({ hasText: 'Your phone is ringing' }).waitFor();
      await answer(sid);
      await sessionTitle(sue).filter({ hasText: 'You are monitoring Ana Agent' }).waitFor();
      await sue.getByRole('region', { name: 'Internal' }).getByText('Sue Supervisor').waitFor();
      t.equal(await sue.getByRole('button', { name: 'Monitor Ana Agent' }).getAttribute('aria-pressed'), 'true', 'monitor is the current mode');
      await sue.getByTestId('timeline').getByText('Sue Supervisor joined (Monitor)').waitFor();

      const noNotice = async (why: string): Promise<void> => {
        await w.service.idle();
        await ana.waitForTimeout(300);
        t.equal(await ana.getByTestId('coach-notice').count(), 0, why);
      };
      await noNotice('monitor: the agent is told nothing');

      // Coach without notify (same leg: a PATCH, no new dial).
      n = dialsBefore();
      await sue.getByRole('button', { name: 'Coach Ana Agent' }).click();
      await sue.getByRole('dialog', { name: 'Coach Ana Agent' }).waitFor();
      await sue.getByRole('button', { name: 'Switch to coach' }).click();
      await sessionTitle(sue).filter({ hasText: 'You are coaching Ana Agent' }).waitFor();
      t.equal(dialsBefore(), n, 'switching mode does not re-dial');
      await noNotice('coach without notify: the agent is told nothing');

      await sue.getByRole('button', { name: 'Monitor Ana Agent' }).click();
      await sessionTitle(sue).filter({ hasText: 'You are monitoring Ana Agent' }).waitFor();
      await sue.getByRole('button', { name: 'Coach Ana Agent' }).click();
      await sue.getByRole('checkbox', { name: /Notify Ana Agent/ }).check();
      await sue.getByRole('button', { name: 'Switch to coach' }).click();
      await sessionTitle(sue).filter({ hasText: 'You are coaching Ana Agent' }).waitFor();
      await ana.getByTestId('coach-notice').filter({ hasText: 'Sue Supervisor is coaching you' }).waitFor();
      t.pass('the agent sees "Sue Supervisor is coaching you"');

      await sue.getByRole('button', { name: 'Stop supervising Ana Agent' }).click();
      await sessionTitle(sue).filter({ hasText: 'Session ended' }).waitFor();
      await ana.getByTestId('coach-notice').waitFor({ state: 'detached' });
      t.pass('the notice goes when the coach leaves');
      await ana.close();
    });

    t.test('stop and rejoin, as often as you like', async (t) => {
      t.match(await sue.getByTestId('session-detail').innerText(), /You stopped\./);
      for (let i = 0; i < 2; i++) {
        const n = dialsBefore();
        await sue.getByRole('button', { name: 'Rejoin' }).click();
        const sid = await nextDial(n);
        await answer(sid);
        await sessionTitle(sue).filter({ hasText: 'You are coaching Ana Agent' }).waitFor();
        await sue.getByTestId('session-panel').getByRole('button', { name: 'Stop' }).click();
        await sessionTitle(sue).filter({ hasText: 'Session ended' }).waitFor();
      }
      t.pass('rejoined twice');
    });

    t.test('take over: offered with the permission only, asks once more, then ends the session with the reason in words', async (t) => {
      let n = dialsBefore();
      await sue.getByRole('button', { name: 'Rejoin' }).click();
      let sid = await nextDial(n);
      await answer(sid);
      await sessionTitle(sue).filter({ hasText: 'You are coaching Ana Agent' }).waitFor();
      t.equal(await sue.getByRole('button', { name: /Take the call over/ }).count(), 0, 'not offered without the takeover permission');
      await sue.getByTestId('session-panel').getByRole('button', { name: 'Stop' }).click();
      await sessionTitle(sue).filter({ hasText: 'Session ended' }).waitFor();

      const r = await w.app.inject({ method: 'PUT', url: '/v1/users/sue', headers: auth('root'), payload: { name: 'Sue Supervisor', role: 'supervisor', permissions: ['monitor', 'coach', 'barge', 'takeover'], device: { kind: 'sip_uri', uri: 'sip:sue@desk.example', dialect: 'polycom' } } });
      t.equal(r.statusCode, 200);
      // The page learns its user's permissions when it loads.
      await sue.goto(`${url}#/calls/call-1`);
      await sue.reload();
      n = dialsBefore();
      await sue.getByRole('button', { name: 'Monitor Ana Agent' }).click();
      sid = await nextDial(n);
      await answer(sid);
      await sessionTitle(sue).filter({ hasText: 'You are monitoring Ana Agent' }).waitFor();
      await sue.getByRole('button', { name: 'Take the call over from Ana Agent' }).click();
      t.equal(w.signaling.takeovers.length, 0, 'the first click only asks');
      await sue.getByRole('button', { name: 'Confirm takeover' }).click();
      await sue.getByTestId('session-detail').filter({ hasText: 'You took the call over' }).waitFor();
      t.same(w.signaling.takeovers.map((x) => x.sessionId), [sid], 'the takeover was sent for this session');
      t.equal(await sue.getByRole('button', { name: 'Rejoin' }).count(), 0, 'no Rejoin after a takeover');
      // The SIP double moved no leg: the supervisor is made available again for the cases below.
      await w.store.presence.set('sue', 'available');
    });

    t.test('a refused action stays visible, disabled, with the reason in words', async (t) => {
      await w.service.callChanged(activeCall('call-legal', LEGAL, 'ana'), { type: 'call_answered', actor: 'A' });
      await sue.goto(`${url}#/calls/call-legal`);
      const monitor = sue.getByRole('button', { name: 'Monitor Ana Agent' });
      await monitor.waitFor();
      t.equal(await monitor.getAttribute('aria-disabled'), 'true', 'disabled');
      await sue.getByTestId('call-refusal').filter({ hasText: 'supervision is switched off for number +34910000002' }).waitFor();
      const describedBy = await monitor.getAttribute('aria-describedby');
      t.match(await sue.locator(`[id="${describedBy}"]`).innerText(), /supervision is switched off/, 'the button is described by its reason');
      await monitor.focus();
      t.equal(await sue.evaluate('document.activeElement.getAttribute("aria-label")'), 'Monitor Ana Agent', 'still reachable by keyboard');
      const n = dialsBefore();
      await monitor.press('Enter');
      await monitor.click({ force: true });
      await sue.waitForTimeout(200);
      t.equal(dialsBefore(), n, 'pressing it does nothing');

      // A supervisor with the monitor permission only: coach and barge say why not.
      const rem = await newPage();
      await w.app.inject({ method: 'PUT', url: '/v1/users/rem/status', headers: auth('rem'), payload: { status: 'available' } });
      await signIn(rem, `${url}#/calls/call-1`, TOKENS.rem);
      await rem.getByRole('button', { name: 'Coach Ana Agent' }).waitFor();
      t.equal(await rem.getByRole('button', { name: 'Coach Ana Agent' }).getAttribute('aria-disabled'), 'true');
      await rem.getByText('you do not have the coach permission').waitFor();
      t.equal(await rem.getByRole('button', { name: 'Monitor Ana Agent' }).getAttribute('aria-disabled'), null, 'monitor allowed');
      await rem.close();
    });

    t.test('a lost stream shows, reconnects and resumes from Last-Event-ID', async (t) => {
      await sue.goto(`${url}#/calls`);
      await sue.locator('tr[data-call-id="call-1"]').waitFor();
      const held: Route[] = [];
      let hold = true;
      await sue.route('**/v1/events/tickets', (route) => (hold ? held.push(route) : void route.continue()));
      const streams: string[] = [];
      const listings: string[] = [];
      sue.on('request', (r) => {
        if (r.url().includes('/v1/events?')) streams.push(r.url());
        if (/\/v1\/calls(\?|$)/.test(r.url())) listings.push(r.url());
      });
      for (const s of sockets) s.destroy();
      await sue.getByTestId('stream-lost').waitFor();
      await sue.getByTestId('live-indicator').filter({ hasText: 'Reconnecting…' }).waitFor();
      t.pass('the page says it is not live');
      await eventually(() => held.length > 0, 10_000, 'a new ticket asked for');
      // Meanwhile, while the page is away: a new call.
      await w.service.callChanged(activeCall('call-missed', undefined, 'bob'), { type: 'call_answered', actor: 'A' });
      hold = false;
      for (const r of held) await r.continue();
      await sue.getByTestId('live-indicator').filter({ hasText: 'Live' }).waitFor();
      await sue.locator('tr[data-call-id="call-missed"]').waitFor();
      t.equal(await sue.getByTestId('stream-lost').count(), 0, 'the banner goes');
      const last = new URL(streams.at(-1)!);
      t.ok(Number(last.searchParams.get('lastEventId')) > 0, `reopened after event ${last.searchParams.get('lastEventId')}`);
      t.notOk(last.href.includes(TOKENS.sue), 'no token in the URL, a ticket');
      t.same(listings, [], 'resumed from the replay: no full re-read');
      await sue.unroute('**/v1/events/tickets');
    });

    t.test('a hostile name is shown as text, never run', async (t) => {
      const hostile = '<img src=x onerror=alert(1)>';
      const r = await w.app.inject({ method: 'POST', url: '/v1/users', headers: auth('root'), payload: { id: 'eve', name: hostile, role: 'agent' } });
      t.equal(r.statusCode, 201);
      await w.app.inject({ method: 'PUT', url: '/v1/numbers/%2B34910000001', headers: auth('root'), payload: { name: '<b>Sales</b><script>alert(2)</script>', distribution: ['ana', 'bob', 'sue', 'rem', 'root', 'eve'] } });
      await w.service.callChanged(activeCall('call-eve', undefined, 'eve'), { type: 'call_answered', actor: 'A' });
      const row = sue.locator('tr[data-call-id="call-eve"]');
      await row.waitFor();
      await row.getByText(hostile, { exact: true }).waitFor();
      t.pass('the name is there, as text');
      t.equal(await sue.locator('img[src="x"]').count(), 0, 'no injected element');
      t.equal(await sue.locator('tbody script, tbody b').count(), 0, 'no injected markup');
      await sue.goto(`${url}#/users`);
      await sue.getByRole('cell', { name: hostile }).first().waitFor();
      await sue.goto(`${url}#/calls/call-eve`);
      await sue.getByRole('button', { name: `Monitor ${hostile}` }).waitFor();
      t.equal(await sue.locator('img[src="x"]').count(), 0);
      t.same(dialogs, [], 'no alert ever ran');
    });

    t.test('usable at 200 % zoom: nothing wider than the window', async (t) => {
      const z = await browser.page();
      await z.setViewportSize({ width: 640, height: 400 });
      await signIn(z, `${url}#/calls/call-1`, TOKENS.root);
      await z.getByRole('button', { name: 'Monitor Ana Agent' }).waitFor();
      const overflow = async (): Promise<number> => Number(await z.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
      t.equal(await overflow(), 0, 'call details');
      await z.goto(`${url}#/calls`);
      await z.locator('tr[data-call-id="call-1"]').waitFor();
      t.equal(await overflow(), 0, 'calls list');
      await z.goto(`${url}#/users`);
      await z.getByRole('heading', { name: 'Users' }).waitFor();
      t.equal(await overflow(), 0, 'users');
      await z.close();
    });

    t.test('no script errors on any page', async (t) => {
      t.same(pageErrors, []);
    });
  });
}
