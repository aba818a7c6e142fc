/**
 * The drachtio connection's state as /readyz reports it. drachtio-srf says `close` when
 * the connection drops (it has no `disconnect` event: listening for one kept /readyz
 * green until a reconnect attempt failed — seen in test/e2e/faults.test.ts).
 */
import pino from 'pino';
import t from 'tap';
import type Srf from 'drachtio-srf';
import type { MediaLeg } from '../../src/app/ports';
import { newCall, type Call } from '../../src/domain';
import { LiveCall } from '../../src/sip/live-call';
import type { CallChange } from '../../src/sip/ports';
import { testConfig } from '../helpers/config';
import { startRedis } from '../helpers/redis';
import { sipWorld } from '../helpers/sip-doubles';

t.test('connect, close, connect again: /readyz follows, and the reconnect is noticed', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await sipWorld(server.client(), testConfig(), { directoryYaml: 'users: []\nnumbers: []\n' });
  t.same(w.app.health(), { ok: false, detail: 'connecting' }, 'down until the first connect');
  w.srf.events.emit('connect', null, 'tcp/127.0.0.1:5060');
  t.same(w.app.health(), { ok: true, detail: 'connected' });
  w.srf.events.emit('close');
  t.same(w.app.health(), { ok: false, detail: 'disconnected' }, 'the connection dropped');
  t.ok(w.logs.some((l) => l.msg === 'drachtio connection lost; reconnecting'));
  w.srf.events.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:9022'));
  t.same(w.app.health(), { ok: false, detail: 'connect ECONNREFUSED 127.0.0.1:9022' }, 'a failed reconnect says why');
  w.srf.events.emit('connect', null, 'tcp/127.0.0.1:5060');
  t.same(w.app.health(), { ok: true, detail: 'connected' }, 'green again once reconnected');
});

t.test('the calls up when the connection dropped are ended once it is back, with the reason', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await sipWorld(server.client(), testConfig(), { directoryYaml: 'users: []\nnumbers: []\n' });
  const changes: { call: Call; change: CallChange }[] = [];
  const live = new LiveCall(
    newCall({ id: 'call-1', direction: 'inbound', number: '+34910000001', emergency: false, customer: { id: 'c1', address: 'sip:cust@192.0.2.1' } }),
    { callChanged: async (call, change) => void changes.push({ call, change }) },
    pino({ level: 'silent' }),
  );
  const byes: string[] = [];
  const dialog = { destroy: (_o: unknown, cb: () => void) => (byes.push('c1'), cb()) } as unknown as Srf.Dialog;
  live.legs.set('c1', { participantId: 'c1', dialog, media: {} as MediaLeg });
  w.app.calls.add(live);

  w.srf.events.emit('connect', null, 'tcp/127.0.0.1:5060');
  t.equal(w.app.calls.all().length, 1, 'a first connect ends nothing');
  w.srf.events.emit('close');
  t.equal(w.app.calls.all().length, 1, 'while disconnected the call is kept: its audio does not go through drachtio');
  w.srf.events.emit('connect', null, 'tcp/127.0.0.1:5060');
  await new Promise((r) => setImmediate(r));
  t.equal(w.app.calls.all().length, 0, 'reconnected: the call is no longer this instance\'s');
  t.same(byes, ['c1'], 'a BYE was tried on its leg (it reaches the phone if drachtio-server kept the dialog)');
  t.same(
    changes.map((c) => [c.change.type, c.change.detail, c.call.ended]),
    [['call_ended', { why: 'drachtio_connection_lost' }, true]],
    'the call ended, the timeline saying why',
  );
});
