import { Call, Participant, Session, SupervisionMode, User, evaluateStart, evaluateSwitch, isLive } from '../domain';
import type { ParticipantAction } from '../contract';
import type { Store } from '../store';
import { gatherFacts } from './facts';

/**
 * Coach and barge target an agent: on the customer the rules (rules.ts, modeDecision)
 * only ever answer target_not_agent, so those buttons are not offered at all. A test
 * (test/app/call-actions.test.ts) holds this list to the rules.
 */
const MODES_FOR: Record<Participant['kind'], readonly SupervisionMode[]> = {
  internal: ['monitor', 'coach', 'barge'],
  external: ['monitor'],
};

/**
 * What `user` may do on each participant still on `call`, decided by the domain's rules
 * on the same facts a request would be decided on: a start (POST) everywhere, except on
 * the target of the user's own live session, where it is a mode switch (PATCH) and the
 * session's mode is `current`. The page shows these as they are, so it never guesses a
 * rule; the request is still decided again (and atomically) when it is made.
 */
export async function participantActions(store: Store, call: Call, user: User, own: Session | undefined): Promise<Map<string, ParticipantAction[]>> {
  const facts = await gatherFacts(store, call, user);
  const out = new Map<string, ParticipantAction[]>();
  const mine = own && isLive(own) ? own : undefined;
  // For a switch, the user's own coach lock is not "another coach".
  const switchFacts = mine ? { ...facts, coachOnTarget: (pid: string) => (facts.coachOnTarget(pid) === mine.id ? undefined : facts.coachOnTarget(pid)) } : facts;
  for (const p of call.participants) {
    if (p.status === 'left') continue;
    out.set(
      p.id,
      MODES_FOR[p.kind].map((mode): ParticipantAction => {
        if (mine && mine.target === p.id) {
          if (mine.mode === mode) return { mode, allowed: true, current: true };
          return decided(mode, evaluateSwitch(switchFacts, mine, mode));
        }
        return decided(mode, evaluateStart(facts, { target: p.id, mode }));
      }),
    );
  }
  return out;
}

function decided(mode: SupervisionMode, d: { allowed: true } | { allowed: false; code: string; message: string }): ParticipantAction {
  return d.allowed ? { mode, allowed: true } : { mode, allowed: false, reason: { code: d.code, message: d.message } };
}
