/**
 * Call fixtures for domain tests: the customer is `C`, the first agent `A`, a second
 * agent or transfer target `B`, an external transfer target `X`; supervisor sessions
 * are `S`, `S2`, ….
 */
import {
  Call,
  addRinging,
  completeTransfer,
  newCall,
  participantAnswered,
  participantLeft,
  setHeld,
  startTransfer,
  transferTargetAnswered,
} from '../../src/domain';

export const NUMBER = '+34910000001';

export function ringing(): Call {
  const c = newCall({ id: 'call-1', direction: 'inbound', number: NUMBER, emergency: false, customer: { id: 'C', address: '+34600000001' } });
  return addRinging(c, { id: 'A', kind: 'internal', userId: 'agent-a', address: 'sip:agent-a@pbx', origin: 'call' });
}

export function active(): Call {
  return participantAnswered(ringing(), 'A');
}

export function hold(): Call {
  return setHeld(active(), 'A', true);
}

function withB(c: Call, origin: 'transfer' | 'consult' | 'added'): Call {
  return addRinging(c, { id: 'B', kind: 'internal', userId: 'agent-b', address: 'sip:agent-b@pbx', origin });
}

/** REFER sent, B still ringing: the customer waits with music, A is apart. */
export function blindTransferDialing(): Call {
  return startTransfer(withB(active(), 'transfer'), { kind: 'blind', by: 'A', target: 'B' });
}

/** B answered the blind transfer; A has not hung up yet. */
export function blindTransferred(): Call {
  return transferTargetAnswered(blindTransferDialing());
}

/** A consults B while C is on hold. */
export function attendedConsulting(): Call {
  const c = startTransfer(withB(active(), 'consult'), { kind: 'attended', by: 'A', target: 'B' });
  return transferTargetAnswered(c);
}

export function attendedTransferred(): Call {
  return completeTransfer(attendedConsulting());
}

/** Two agents with the customer (an agent added a colleague). */
export function twoAgents(): Call {
  return participantAnswered(withB(active(), 'added'), 'B');
}

export function twoAgentsOneHolds(): Call {
  return setHeld(twoAgents(), 'A', true);
}

/** A blind-transferred the customer to an external number X, which answered. */
export function externalTransfer(): Call {
  let c = addRinging(active(), { id: 'X', kind: 'external', address: '+34600000009', origin: 'transfer' });
  c = startTransfer(c, { kind: 'blind', by: 'A', target: 'X' });
  return transferTargetAnswered(c);
}

/** A second external party was added (a three-way conference call). */
export function conferenceCall(): Call {
  const c = addRinging(active(), { id: 'X', kind: 'external', address: '+34600000009', origin: 'added' });
  return participantAnswered(c, 'X');
}

export function afterTransferAgentLeft(): Call {
  return participantLeft(blindTransferred(), 'A');
}
