import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { startRedis } from '../helpers/redis';
import { TOKENS, activeCall, makeWorld } from '../helpers/world';
import { NO_CHROMIUM, haveChromium, launchBrowser, signIn, testWebAssets } from '../helpers/browser';

/**
 * Behind a reverse proxy on a sub-path (/coachline/ → the app's /): the page, its
 * files, the API and the event stream are all reached by relative URLs.
 */
function subPathProxy(target: number, prefix: string): Promise<http.Server> {
  const proxy = http.createServer((req, res) => {
    if (!req.url?.startsWith(prefix)) {
      res.writeHead(404).end('not under the prefix');
      return;
    }
    const upstream = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url.slice(prefix.length - 1), headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve(proxy)));
}

if (!haveChromium()) {
  // CI installs chromium (.ci/run): there, its absence is a failure, not a skip.
  if (process.env.CI) t.fail(NO_CHROMIUM);
  else t.comment(NO_CHROMIUM);
} else {
  t.test('the page under a proxy sub-path', async (t) => {
    const server = await startRedis();
    t.teardown(server.stop);
    const w = await makeWorld(server, { refresh: false, web: await testWebAssets() });
    t.teardown(w.close);
    await w.app.listen({ host: '127.0.0.1', port: 0 });
    const proxy = await subPathProxy((w.app.server.address() as AddressInfo).port, '/coachline/');
    t.teardown(() => {
      proxy.closeAllConnections();
      return new Promise<void>((r) => proxy.close(() => r()));
    });
    const browser = await launchBrowser();
    t.teardown(browser.close);
    const page = await browser.page();
    const outside: string[] = [];
    page.on('request', (r) => {
      if (!new URL(r.url()).pathname.startsWith('/coachline/')) outside.push(r.url());
    });
    await signIn(page, `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/coachline/`, TOKENS.sue);
    await w.service.callChanged(activeCall('call-sub'), { type: 'call_answered', actor: 'A' });
    await page.locator('tr[data-call-id="call-sub"]').waitFor();
    t.pass('signed in and live through the proxy');
    t.same(outside, [], 'every request stays under the sub-path');
  });
}
