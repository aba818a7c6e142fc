import { Call, SupervisionFacts, User } from '../domain';
import type { Store } from '../store';

/**
 * Reads from the store everything the domain's rules need to decide on a supervision
 * request for `supervisor` on `call`. The decision is then re-checked atomically by
 * the lock scripts for the parts another request could change meanwhile.
 */
export async function gatherFacts(store: Store, call: Call, supervisor: User, ownSessionId?: string): Promise<SupervisionFacts> {
  const agentLegs = call.participants.filter((p) => p.kind === 'internal').map((p) => p.id);
  const [number, presence, holder, coaches] = await Promise.all([
    store.directory.getNumber(call.number),
    store.presence.get(supervisor.id),
    store.locks.supervisorHolder(supervisor.id),
    store.locks.coachHolders(call.id, agentLegs),
  ]);
  return {
    call,
    number,
    supervisor,
    supervisorStatus: presence.status,
    supervisorSessionId: holder !== undefined && holder !== ownSessionId ? holder : undefined,
    coachOnTarget: (pid) => {
      const h = coaches.get(pid);
      return h !== undefined && h !== ownSessionId ? h : undefined;
    },
  };
}
