import t from 'tap';
import pino from 'pino';
import { Writable } from 'node:stream';
import { runShutdown } from '../src/shutdown';

function capture(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

t.test('a failing or hanging step never keeps the later ones from running', async (t) => {
  const { logger, lines } = capture();
  const ran: string[] = [];
  const t0 = Date.now();
  const { ok } = await runShutdown(
    [
      { name: 'throws', run: () => { ran.push('throws'); throw new Error('AssertionError-like'); } },
      { name: 'rejects', run: async () => { ran.push('rejects'); throw new Error('nope'); } },
      { name: 'hangs', run: () => { ran.push('hangs'); return new Promise<void>(() => undefined); } },
      { name: 'last', run: () => { ran.push('last'); } },
    ],
    400,
    logger,
  );
  const took = Date.now() - t0;
  t.equal(ok, false);
  t.same(ran, ['throws', 'rejects', 'hangs', 'last'], 'every step ran, in order');
  t.ok(took < 1000, `bounded by the deadline (${took} ms)`);
  t.same(lines.map((l) => [l.step, l.msg]), [
    ['throws', 'shutdown step failed'],
    ['rejects', 'shutdown step failed'],
    ['hangs', 'shutdown step timed out'],
    ['last', 'shutdown step done'],
  ]);
});

t.test('all steps done: ok', async (t) => {
  const { logger } = capture();
  t.same(await runShutdown([{ name: 'a', run: async () => undefined }], 1000, logger), { ok: true });
});
