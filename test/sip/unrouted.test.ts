/**
 * Issue 15, defect 6: every request that reaches coachline gets a final response — 481
 * for what only makes sense in a dialog it does not have, 405 with Allow for a method
 * it knows but does not take, 501 for a method it does not know — through its SipApp on
 * a real drachtio-srf. Before, drachtio-srf's default answered 404 (a BYE included) and
 * left an UPDATE unanswered. (Out of a dialog drachtio-server itself never hands the app
 * REFER, PRACK or unknown methods: see src/sip/unrouted.ts and test/e2e/sip-answers.)
 */
import t from 'tap';
import pino from 'pino';
import { sipAppOnFake } from '../helpers/fake-drachtio';
import { ALLOW } from '../../src/sip/routes';
import { unroutedAnswer } from '../../src/sip/unrouted';

t.test('what reaches the app with no route or dialog gets 481, 405 or 501', async (t) => {
  const { fake, close } = await sipAppOnFake(pino({ level: 'silent' }));
  t.teardown(close);
  const cases: [method: string, toTag: string | undefined, status: number | undefined, why: string][] = [
    ['FOO', undefined, 501, 'an unknown method'],
    ['BYE', undefined, 481, 'a BYE for no dialog'],
    ['UPDATE', undefined, 481, 'an UPDATE for no dialog (drachtio-srf sent nothing)'],
    ['FOO', 'gone', 481, 'an unknown method naming a dialog'],
    ['PRACK', undefined, 200, 'a PRACK drachtio-server matched to a reliable provisional'],
    ['MESSAGE', undefined, 405, 'MESSAGE (its route)'],
    ['REFER', undefined, 481, 'REFER out of a dialog (its route)'],
    ['ACK', undefined, undefined, 'an ACK (never answered)'],
  ];
  for (const [method, toTag, status, why] of cases) {
    const txn = fake.deliver({ method, ...(toTag ? { toTag } : {}) });
    const res = await fake.finalResponse(txn, status === undefined ? 200 : 1000);
    t.equal(res?.status, status, `${why}: ${status ?? 'no response'}`);
    if (status === 405) t.equal(res?.headers.allow, ALLOW, 'with Allow');
  }
});

t.test('the answer table', async (t) => {
  t.match(unroutedAnswer('SUBSCRIBE', false), { status: 405, headers: { Allow: ALLOW } });
  t.match(unroutedAnswer('publish', false), { status: 405 }, 'methods are case-insensitive');
  t.match(unroutedAnswer('INFO', false), { status: 481 });
  t.match(unroutedAnswer('CANCEL', false), { status: 481 }, 'CANCEL (drachtio-srf answers it before any middleware)');
  t.match(unroutedAnswer('NOTIFY', false), { status: 481 });
  t.match(unroutedAnswer('MESSAGE', true), { status: 481 }, 'a To tag means a dialog we do not have');
  t.match(unroutedAnswer('X-CUSTOM', false), { status: 501 });
  t.equal(unroutedAnswer('ACK', true), undefined);
});
