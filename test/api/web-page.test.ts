import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld, auth } from '../helpers/world';
import { testWebAssets } from '../helpers/browser';

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? sources(path.join(dir, n)) : /\.tsx?$/.test(n) ? [path.join(dir, n)] : []));

/** The page's files as the app serves them, and the headers every answer carries. */
t.test('serving the web page', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false, web: await testWebAssets() });
  t.teardown(w.close);
  const get = (url: string, headers: Record<string, string> = {}) => w.app.inject({ method: 'GET', url, headers });

  t.test('/ and its files: types, CSP without inline script, nosniff, revalidated', async (t) => {
    const page = await get('/');
    t.equal(page.statusCode, 200);
    t.match(page.headers['content-type'], /^text\/html; charset=utf-8/);
    const csp = String(page.headers['content-security-policy']);
    t.match(csp, /script-src 'self'(;|$)/);
    t.notMatch(csp, /unsafe-inline|unsafe-eval/, 'no inline script or eval');
    t.match(csp, /default-src 'none'/);
    t.match(csp, /connect-src 'self'/);
    t.match(csp, /frame-ancestors 'none'/);
    t.equal(page.headers['x-content-type-options'], 'nosniff');
    t.equal(page.headers['cache-control'], 'no-cache');
    t.notMatch(page.body, /<script>|<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script in the HTML');
    t.notMatch(page.body, /(src|href)="\/(?!\/)/, 'every URL is relative, so a proxy sub-path works');
    t.notMatch(page.body, /https?:\/\//, 'nothing from elsewhere');

    for (const [url, type] of [['/app.js', /^text\/javascript/], ['/style.css', /^text\/css/], ['/favicon.svg', /^image\/svg\+xml/]] as const) {
      const r = await get(url);
      t.equal(r.statusCode, 200, url);
      t.match(r.headers['content-type'], type, url);
      t.equal(r.headers['x-content-type-options'], 'nosniff', url);
      const etag = String(r.headers.etag);
      t.match(etag, /^"[\w-]+"$/, `${url} has an ETag`);
      const again = await get(url, { 'if-none-match': etag });
      t.same([again.statusCode, again.body], [304, ''], `${url}: 304 when unchanged`);
    }
    const js = (await get('/app.js')).body;
    t.ok(!/https?:\/\/(?!www\.w3\.org\/)/.test(js), 'the script names no other origin (only XML namespaces)');
    for (const file of sources(path.join(__dirname, '..', '..', 'src', 'web'))) {
      const text = readFileSync(file, 'utf8');
      t.ok(!/dangerouslySetInnerHTML|innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(text), `${path.basename(file)} never writes raw HTML`);
    }
    t.equal((await w.app.inject({ method: 'HEAD', url: '/' })).statusCode, 200, 'HEAD works');
  });

  t.test('API answers are not cached, not sniffed, render nothing', async (t) => {
    for (const [url, who] of [['/v1/calls', 'sue'], ['/v1/me', 'ana'], ['/healthz', undefined], ['/v1/nope', 'sue']] as const) {
      const r = await get(url, who ? auth(who) : {});
      t.equal(r.headers['cache-control'], 'no-store', `${url}: no-store`);
      t.equal(r.headers['x-content-type-options'], 'nosniff', `${url}: nosniff`);
      t.match(String(r.headers['content-security-policy']), /default-src 'none'/, `${url}: CSP`);
    }
    const unauth = await get('/v1/calls');
    t.equal(unauth.headers['cache-control'], 'no-store', 'refusals too');
  });

  t.test('the new routes are in the OpenAPI document', async (t) => {
    const doc = (await get('/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    t.ok(doc.paths['/v1/events/tickets']?.post, 'POST /v1/events/tickets');
    t.ok(doc.paths['/v1/me']?.get, 'GET /v1/me');
    t.ok(doc.paths['/v1/events']?.get, 'GET /v1/events');
  });
});

t.test('without a built page, / says so (503 web_not_built)', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false, web: new Map() });
  t.teardown(w.close);
  const r = await w.app.inject({ method: 'GET', url: '/' });
  t.same([r.statusCode, r.json().error.code], [503, 'web_not_built']);
});
