import { Call, addRinging, newCall, participantAnswered } from '../../src/domain';
import { SALES } from '../../test/helpers/world';

/** A marker call for the web bench: answered, on Sales, an agent of its own. */
export function activeCallFor(id: string): Call {
  let c = newCall({ id, direction: 'inbound', number: SALES, emergency: false, customer: { id: 'c1', address: '+34699999999' } });
  c = addRinging(c, { id: 'a1', kind: 'internal', userId: `agent-${id}`, address: `sip:${id}@10.9.9.9`, origin: 'call' });
  return participantAnswered(c, 'a1');
}
