import t from 'tap';
import { newCall, callState } from '../../src/domain';
t.test('smoke', async (t) => {
  const c = newCall({ id: 'c1', direction: 'inbound', number: '+1', emergency: false, customer: { id: 'C', address: '+2' } });
  t.equal(callState(c), 'ringing');
});
