import net from 'node:net';
import t from 'tap';
import { startRedis } from '../helpers/redis';
import { makeWorld, TOKENS } from '../helpers/world';
import { SseClient } from '../helpers/sse';
import { sleep } from '../helpers/config';

/**
 * Slow and idle clients over real sockets, with the HTTP limits shortened: headers or
 * a body that trickle in get 408 in the API's error body and the connection closed;
 * idle keep-alive connections and refused clients do not linger; connections beyond
 * the cap are dropped. An event stream is quiet for longer than every timeout and
 * stays open.
 */
interface Conn {
  socket: net.Socket;
  data: () => string;
  closed: Promise<number>;
}

function connect(port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', () => undefined);
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now())));
    socket.once('connect', () => resolve({ socket, data: () => data, closed }));
    socket.once('error', reject);
  });
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'open'> => Promise.race([p, sleep(ms).then(() => 'open' as const)]);

t.test('slow clients are cut off; event streams are not', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const MAX = 12;
  const w = await makeWorld(server, {
    refresh: false,
    http: { headersTimeoutMs: 1000, requestTimeoutMs: 1500, keepAliveTimeoutMs: 800, idleTimeoutMs: 2000, maxConnections: MAX },
  });
  t.teardown(w.close);
  await w.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (w.app.server.address() as net.AddressInfo).port;

  t.test('headers that never finish: 408, closed', async (t) => {
    const c = await connect(port);
    const t0 = Date.now();
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const at = await within(c.closed, 4000);
    t.not(at, 'open', 'closed by the server');
    t.ok(at !== 'open' && at - t0 < 3000, 'within the headers timeout and one check interval');
    t.match(c.data(), /^HTTP\/1\.1 408 /);
    t.match(c.data(), /"code":"request_timeout"/);
  });

  t.test('an authenticated body that trickles: 408, closed', async (t) => {
    const c = await connect(port);
    const t0 = Date.now();
    c.socket.write(`POST /v1/calls/call-1/supervisions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKENS.sue}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"target":`);
    const trickle = setInterval(() => c.socket.write(' '), 200);
    const at = await within(c.closed, 5000);
    clearInterval(trickle);
    t.not(at, 'open', 'closed by the server');
    t.ok(at !== 'open' && at - t0 < 3500, `within the request timeout (${at !== 'open' ? at - t0 : '-'} ms)`);
    t.match(c.data(), /"code":"request_timeout"/);
  });

  t.test('an idle keep-alive connection is closed after the keep-alive timeout', async (t) => {
    const c = await connect(port);
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const t0 = Date.now();
    const at = await within(c.closed, 3000);
    t.match(c.data(), /^HTTP\/1\.1 200 /);
    t.ok(at !== 'open' && at - t0 < 2500, `closed soon after the answer (${at !== 'open' ? at - t0 : '-'} ms)`);
  });

  t.test('a refused credential gets no kept-alive connection', async (t) => {
    const c = await connect(port);
    c.socket.write('GET /v1/calls HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong-token-0123456789\r\n\r\n');
    const at = await within(c.closed, 500);
    t.match(c.data(), /^HTTP\/1\.1 401 /);
    t.match(c.data(), /connection: close/i);
    t.not(at, 'open', 'closed at once');
  });

  t.test('connections beyond the cap are dropped', async (t) => {
    const held = await Promise.all(Array.from({ length: MAX }, () => connect(port)));
    await sleep(100);
    const extra = await connect(port);
    t.not(await within(extra.closed, 1000), 'open', 'the one over the cap is closed');
    t.equal(extra.data(), '');
    for (const h of held) h.socket.destroy();
    await sleep(100);
    const after = await connect(port);
    after.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await within(after.closed, 2000);
    t.match(after.data(), /^HTTP\/1\.1 200 /, 'served again once under the cap');
  });

  t.test('an event stream outlives every timeout', async (t) => {
    const s = await SseClient.open(port, TOKENS.sue);
    await sleep(3000);
    t.equal(s.isEnded, false, 'still open after the idle, request and keep-alive timeouts');
    s.close();
  });
});
