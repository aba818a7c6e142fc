import t from 'tap';
import { evaluateStart, SupervisionFacts, User } from '../../src/domain';
import { active, NUMBER } from '../helpers/calls';

/**
 * The page is offered Monitor only on the customer (src/app/call-actions.ts): this holds
 * that list to the rules, which refuse coach and barge on an external participant with
 * target_not_agent whenever everything else would allow them.
 */
t.test('coach and barge on the customer: only ever target_not_agent', async (t) => {
  const sup: User = { id: 'sup', name: 'Sup', role: 'supervisor', permissions: ['monitor', 'coach', 'barge'] };
  const facts: SupervisionFacts = {
    call: active(),
    number: { e164: NUMBER, name: 'Sales', distribution: ['sup'], emergency: false, supervisable: true },
    supervisor: sup,
    supervisorStatus: 'available',
    supervisorSessionId: undefined,
    coachOnTarget: () => undefined,
  };
  t.match(evaluateStart(facts, { target: 'C', mode: 'monitor' }), { allowed: true });
  for (const mode of ['coach', 'barge'] as const) {
    t.match(evaluateStart(facts, { target: 'C', mode }), { allowed: false, code: 'target_not_agent' }, mode);
    t.match(evaluateStart(facts, { target: 'A', mode }), { allowed: true }, `${mode} on the agent`);
  }
});
