import net from 'node:net';
import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld } from '../helpers/world';

/**
 * Requests that Node's HTTP parser refuses before any route sees them still get the
 * API's error body, `{"error":{"code","message"}}`, with the right status, and the
 * connection is closed.
 */
function raw(port: number, request: Buffer | string): Promise<{ status: number; headers: string; body: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined);
    const done = (): void => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body, closed });
    };
    socket.on('close', () => {
      closed = true;
      done();
    });
    socket.setTimeout(3000, () => {
      socket.destroy();
    });
    socket.write(request);
  });
}

t.test('refusals of the HTTP parser use the API error body', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false });
  t.teardown(w.close);
  await w.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (w.app.server.address() as net.AddressInfo).port;
  const end = '\r\nHost: x\r\nConnection: close\r\n\r\n';

  const cases: { name: string; req: Buffer | string; status: number; code: string }[] = [
    { name: 'raw space in the path', req: `GET /v1/ca lls HTTP/1.1${end}`, status: 400, code: 'bad_request' },
    { name: 'non-ASCII byte in the path', req: Buffer.concat([Buffer.from('GET /v1/caf'), Buffer.from([0xe9]), Buffer.from(` HTTP/1.1${end}`)]), status: 400, code: 'bad_request' },
    { name: 'unknown method', req: `FOO /v1/calls HTTP/1.1${end}`, status: 400, code: 'bad_request' },
    { name: 'lower-case method', req: `get /v1/calls HTTP/1.1${end}`, status: 400, code: 'bad_request' },
    { name: 'bad Content-Length', req: 'POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}', status: 400, code: 'bad_request' },
    { name: 'Content-Length and Transfer-Encoding', req: 'POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}', status: 400, code: 'bad_request' },
    { name: 'bad chunk', req: 'POST /v1/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', status: 400, code: 'bad_request' },
    { name: 'URL over 16 KiB', req: `GET /v1/calls?x=${'a'.repeat(17 * 1024)} HTTP/1.1${end}`, status: 431, code: 'headers_too_large' },
    { name: 'headers over 16 KiB', req: `GET /v1/calls HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17 * 1024)}\r\n\r\n`, status: 431, code: 'headers_too_large' },
    { name: 'a method Node knows, no route has', req: `PROPFIND /v1/calls HTTP/1.1${end}`, status: 404, code: 'route_not_found' },
  ];
  for (const c of cases) {
    const r = await raw(port, c.req);
    t.equal(r.status, c.status, `${c.name}: ${r.status}`);
    let body: { error?: { code?: string; message?: string } } = {};
    try {
      body = JSON.parse(r.body) as typeof body;
    } catch {
      t.fail(`${c.name}: body is JSON (${r.body.slice(0, 80)})`);
    }
    t.equal(body.error?.code, c.code, `${c.name}: code`);
    t.ok((body.error?.message ?? '').length > 0, `${c.name}: a sentence`);
    t.match(r.headers, /content-type: application\/json/i, `${c.name}: JSON`);
    t.ok(r.closed, `${c.name}: connection closed`);
  }
});
