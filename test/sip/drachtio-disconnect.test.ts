import net from 'node:net';
import t from 'tap';
import Srf from 'drachtio-srf';
import { disconnectDrachtio } from '../../src/sip/drachtio-disconnect';

/** drachtio-srf while drachtio-server is down: what shutdown has to cope with. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

t.test('disconnect without a drachtio connection', async (t) => {
  const port = await closedPort();
  const srf = new Srf();
  let errors = 0;
  srf.on('error', () => errors++);
  srf.connect({ host: '127.0.0.1', port, secret: 'x' });
  while (errors === 0) await new Promise((r) => setTimeout(r, 20));
  t.throws(() => srf.disconnect(), { name: 'AssertionError' }, 'drachtio-srf itself throws when not connected');
  t.doesNotThrow(() => disconnectDrachtio(srf));
  const after = errors;
  await new Promise((r) => setTimeout(r, 1200));
  t.equal(errors, after, 'and it stops retrying (nothing keeps the process alive)');
});
