/**
 * The web page on the real stack: a supervisor signs in, opens a live call, clicks
 * Monitor next to the agent, and their desk phone rings (auto-answers) and hears the
 * call on real audio; Coach from the page then reaches the agent, not the customer;
 * Stop hangs the phone up. Headless Debian Chromium (test/helpers/browser.ts).
 */
import { CHROMIUM, haveChromium, launchBrowser, signIn, testWebAssets } from '../helpers/browser';
import { expectHearing } from './lib/hearing';
import { TOKEN, endCall, session, supervisedCall, until } from './lib/flows';
import { e2eSuite } from './lib/suite';

e2eSuite(
  'web',
  [
    [
      'clicking Monitor on the page rings the supervisor’s phone, which hears the call; Coach and Stop from the page',
      async (t, s) => {
        const browser = await launchBrowser();
        t.teardown(() => browser.close());
        const { call, sofia, parties } = await supervisedCall(s);
        const page = await browser.page();
        await signIn(page, `${s.app.httpUrl}/`, TOKEN.sofia);
        await page.locator(`tr[data-call-id="${call.id}"]`).getByRole('link', { name: /Details of the call/ }).click();
        await page.getByRole('heading', { name: /Call from/ }).waitFor();

        await page.getByRole('button', { name: 'Monitor Ana Agent' }).click();
        await sofia.waitInvite(10_000);
        t.match(sofia.lastInvite!.get('Call-Info') ?? '', /answer-after=0/, 'the desk phone was dialed with auto-answer');
        await page.getByTestId('session-title').filter({ hasText: /You are monitoring/ }).waitFor({ timeout: 15_000 });
        const id = (await s.api('GET', `/v1/calls/${call.id}`, TOKEN.sofia)).body.yourSession.id as string;
        t.equal((await session(s, TOKEN.sofia, id)).state, 'active', 'the API agrees: the session is active');
        await expectHearing(t, 'monitor from the page', parties, { customer: ['agent'], agent: ['customer'], supervisor: ['customer', 'agent'] });

        await page.getByRole('button', { name: 'Coach Ana Agent' }).click();
        await page.getByRole('dialog', { name: 'Coach Ana Agent' }).waitFor();
        await page.getByRole('button', { name: 'Switch to coach' }).click();
        await until('coach', async () => (await session(s, TOKEN.sofia, id)).mode === 'coach');
        t.equal((await session(s, TOKEN.sofia, id)).id, id, 'the same session: switched on the same leg, no re-dial');
        await expectHearing(t, 'coach from the page', parties, { customer: ['agent'], agent: ['customer', 'supervisor'], supervisor: ['customer', 'agent'] });

        await page.getByTestId('session-panel').getByRole('button', { name: 'Stop' }).click();
        await sofia.waitHangup(10_000);
        t.pass('Stop on the page hung up the supervisor’s phone');
        await endCall(s, call);
      },
    ],
  ],
  {
    needs: () => (haveChromium() ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium)`),
    options: async () => ({ web: await testWebAssets() }),
  },
);
