/**
 * Issue 13, losing an instance: the SIP dialogs an instance holds are recorded in Redis,
 * ended ones dropped, and a survivor hangs up a lost instance's dialogs through its own
 * drachtio connection — a BYE named by dialog id, which drachtio-server sends for any
 * dialog it holds, whichever app made it. Real drachtio-srf on the wire-protocol double,
 * real Redis.
 */
import t, { type Test } from 'tap';
import pino from 'pino';
import Srf from 'drachtio-srf';
import { createStore } from '../../src/store';
import { HeldDialogs, type HeldDialogStore } from '../../src/sip/held-dialogs';
import { FakeDrachtio } from '../helpers/fake-drachtio';
import { startRedis } from '../helpers/redis';
import { testConfig } from '../helpers/config';

type SrfInternals = { addDialog(d: unknown): void; removeDialog(d: unknown): void };
const dialog = (id: string): Srf.Dialog => ({ id }) as unknown as Srf.Dialog;

async function connected(t: Test): Promise<{ fake: FakeDrachtio; srf: Srf }> {
  const fake = await FakeDrachtio.start();
  const srf = new Srf();
  const ready = fake.ready();
  srf.connect({ host: '127.0.0.1', port: fake.port, secret: 'fake' });
  await ready;
  t.teardown(async () => {
    srf.disconnect();
    await fake.close();
  });
  return { fake, srf };
}

t.test('held dialogs', async (t) => {
  const redis = await startRedis();
  t.teardown(redis.stop);
  const store = createStore(redis.client(), testConfig());
  const bound = (instance: string): HeldDialogStore => ({
    announce: (server) => store.instances.announceDrachtio(instance, server),
    hold: (id) => store.instances.holdDialog(instance, id),
    release: (ids) => store.instances.releaseDialogs(instance, ids),
    heldBy: (other) => store.instances.heldDialogs(other),
  });
  const silent = pino({ level: 'silent' });
  const at = (fake: FakeDrachtio) => ({ host: '127.0.0.1', port: fake.port, secret: 'fake' });

  t.test('what is made is recorded; what ended is dropped at the next sweep', async (t) => {
    const { fake, srf } = await connected(t);
    const held = new HeldDialogs(srf, bound('alive'), silent, at(fake));
    held.start();
    t.teardown(() => held.stop());
    const [a, b] = [dialog('d-a;uas'), dialog('d-b;uac')];
    for (const d of [a, b]) {
      (srf as unknown as SrfInternals).addDialog(d);
      held.track(d);
    }
    const stored = async (): Promise<string[]> => (await store.instances.heldDialogs('alive')).ids.sort();
    for (let i = 0; i < 50 && (await stored()).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    t.same(await stored(), ['d-a;uas', 'd-b;uac'], 'both are in Redis');
    t.equal((await store.instances.heldDialogs('alive')).server, `127.0.0.1:${fake.port}`, 'with the drachtio-server they are on');
    const ttl = await redis.client().pttl(store.keys.instanceDialogs('alive'));
    t.ok(ttl > 0 && ttl <= store.leaseMs, `the set expires with the lease unless the instance beats (${ttl} ms)`);

    (srf as unknown as SrfInternals).removeDialog(a);
    await held.sweep();
    t.same(await stored(), ['d-b;uac'], 'the ended one is gone, the live one stays');
  });

  t.test('a survivor BYEs the lost instance’s dialogs its drachtio-server holds, and leaves the rest', async (t) => {
    const { fake, srf } = await connected(t);
    for (const id of ['here-1;uas', 'here-2;uac', 'elsewhere;uas']) await store.instances.holdDialog('lost', id);
    await store.instances.announceDrachtio('lost', `127.0.0.1:${fake.port}`);
    fake.dialogs.add('here-1;uas');
    fake.dialogs.add('here-2;uac');
    const survivor = new HeldDialogs(srf, bound('survivor'), silent, at(fake));
    t.teardown(() => survivor.stop());

    t.same(await survivor.hangUpLost('lost'), { reached: 2, held: 3, server: `127.0.0.1:${fake.port}` }, 'two reached, of three held');
    t.same(
      fake.requests.map((r) => [r.dialogId, r.method]).sort(),
      [
        ['elsewhere;uas', 'BYE'],
        ['here-1;uas', 'BYE'],
        ['here-2;uac', 'BYE'],
      ],
      'one BYE per dialog, named by its id',
    );
    t.ok(
      fake.requests.every((r) => r.headers.reason === 'SIP;cause=503;text="coachline instance lost"'),
      'each says why',
    );
    t.same([...fake.dialogs], [], 'the server holds none of them any more');
  });

  t.test('a lost node’s own drachtio-server: the survivor connects to it for the BYEs, and leaves', async (t) => {
    const { fake: mine, srf } = await connected(t);
    const theirs = await FakeDrachtio.start();
    t.teardown(() => theirs.close());
    await store.instances.holdDialog('node-2', 'there;uas');
    await store.instances.announceDrachtio('node-2', `127.0.0.1:${theirs.port}`);
    theirs.dialogs.add('there;uas');
    const survivor = new HeldDialogs(srf, bound('node-1'), silent, at(mine));
    t.teardown(() => survivor.stop());
    const reached = theirs.ready();
    t.same(await survivor.hangUpLost('node-2'), { reached: 1, held: 1, server: `127.0.0.1:${theirs.port}` });
    await reached;
    t.same(theirs.requests.map((r) => [r.dialogId, r.method]), [['there;uas', 'BYE']], 'the BYE went to the lost node’s server');
    t.same(mine.requests, [], 'none to this instance’s own');
    await new Promise((r) => setTimeout(r, 50));
    t.equal(theirs.connected, false, 'the connection is closed after');

    await store.instances.holdDialog('node-3', 'nowhere;uas');
    await store.instances.announceDrachtio('node-3', '127.0.0.1:1');
    const started = Date.now();
    t.same(await survivor.hangUpLost('node-3'), { reached: 0, held: 1, server: '127.0.0.1:1' }, 'a server that is gone too: nothing reached, no error');
    t.ok(Date.now() - started < 5000, 'given up within the connect bound');
  });

  t.test('Redis away: a call is not refused for it, the dialog is only not recorded', async (t) => {
    const { fake, srf } = await connected(t);
    const failing: HeldDialogStore = {
      announce: () => Promise.reject(new Error('redis away')),
      hold: () => Promise.reject(new Error('redis away')),
      release: () => Promise.reject(new Error('redis away')),
      heldBy: () => Promise.reject(new Error('redis away')),
    };
    const held = new HeldDialogs(srf, failing, silent, at(fake));
    t.teardown(() => held.stop());
    held.start();
    const d = dialog('d-x;uas');
    t.doesNotThrow(() => held.track(d), 'track never throws');
    await held.sweep();
    await t.rejects(held.hangUpLost('lost'), /redis away/, 'the survivor hears of it (the reaper logs it and goes on)');
  });
});
