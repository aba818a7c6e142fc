import type { SipContext } from './context';
import { dial, type DialedLeg } from './dial';
import { wireLeg } from './in-dialog';
import type { LiveCall, SipLeg } from './live-call';
import { hangUp } from './hang-up';

/**
 * Dialing a participant into a live call (an agent for ring-all, a transfer target):
 * the attempt is cancellable through the call's pending map while it rings.
 */
export async function dialParticipant(
  ctx: SipContext,
  live: LiveCall,
  pid: string,
  uri: string,
  onProvisional?: (status: number) => void,
  headers?: Record<string, string>,
): Promise<DialedLeg> {
  try {
    return await dial(ctx.srf, ctx.media, {
      held: ctx.held,
      callId: live.id,
      key: pid,
      uri,
      timeoutSec: ctx.settings.agentRingTimeoutSec,
      ...(headers ? { headers } : {}),
      // The call may have ended while the endpoint was being made: then cancel at once.
      registerCancel: (cancel) => (ctx.calls.get(live.id) ? live.pending.set(pid, cancel) : cancel()),
      ...(onProvisional ? { onProvisional } : {}),
    });
  } finally {
    live.pending.delete(pid);
  }
}

/** The dialed leg becomes part of the call: its BYE, re-INVITEs and REFERs are handled from now on. */
export function adoptLeg(ctx: SipContext, live: LiveCall, pid: string, dialed: DialedLeg): SipLeg {
  const leg: SipLeg = { participantId: pid, dialog: dialed.dialog, media: dialed.media };
  live.legs.set(pid, leg);
  wireLeg(ctx, live, leg);
  return leg;
}

/** A leg that answered but is not needed (another agent won, or the call ended). */
export async function dropDialed(dialed: DialedLeg): Promise<void> {
  hangUp(dialed.dialog);
  await dialed.media.release();
}
