import type { Session } from '../domain';
import { COACHING_NOTICE_EVENT } from '../contract/values';
import type { SessionOps } from './session-ops';
import { hasCoachingNotice } from './visibility';

/**
 * Tells the coached agent, on their own event stream only, when "<name> is coaching
 * you" starts or stops being true (a coach with notify joined, switched away from
 * coach, or left). Published only on a change, so an agent never receives anything
 * about a session that was not, or is not, such a coach (SPEC §5.7).
 */
export async function announceCoaching(ops: SessionOps, before: Session, after: Session): Promise<void> {
  const was = hasCoachingNotice(before);
  const is = hasCoachingNotice(after);
  if (was === is) return;
  const call = (await ops.loadCall(after.callId))?.call;
  const agentId = call?.participants.find((p) => p.id === after.target)?.userId;
  if (!agentId) return;
  const coach = await ops.d.store.directory.getUser(after.supervisorId);
  await ops.d.store.events.publish(
    {
      at: ops.now(),
      kind: 'notice',
      type: COACHING_NOTICE_EVENT,
      callId: after.callId,
      sessionId: after.id,
      detail: { active: is, coachName: coach?.name ?? after.supervisorId },
    },
    { userId: agentId },
  );
}
