import type Srf from 'drachtio-srf';
import type { SipContext } from './context';
import { NonceIssuer } from './digest';
import { inboundCall } from './inbound';
import { inviteRefusal } from './invite-checks';
import { outboundCall } from './outbound';
import { authenticate, register } from './registrar';
import { userPart } from './uri';

/**
 * Every out-of-dialog SIP request coachline accepts, in one table (in-dialog
 * requests — BYE, re-INVITE, REFER, INFO — are handled on their dialog, see
 * in-dialog.ts and supervisor-dialer.ts).
 */
type Handler = (ctx: SipContext, req: Srf.SrfRequest, res: Srf.SrfResponse) => Promise<void>;

export const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, REFER, INFO, NOTIFY, REGISTER';

export function sipRoutes(nonces: NonceIssuer): Record<'invite' | 'register' | 'options' | 'subscribe' | 'message' | 'publish' | 'refer' | 'info' | 'notify', Handler> {
  const notHere: Handler = async (_ctx, _req, res) => res.send(405, { headers: { Allow: ALLOW } });
  return {
    /** Trunk → inbound call; an agent's phone → outbound call; anyone else → 403. */
    invite: async (ctx, req, res) => {
      const refused = inviteRefusal((h) => req.get(h));
      if (refused) {
        ctx.log.info({ source: req.source_address, status: refused.status, reason: refused.reason }, 'INVITE refused before anything started');
        return void res.send(refused.status, refused.reason, {});
      }
      if (ctx.trunkAcl.allows(req.source_address)) return inboundCall(ctx, req, res);
      const fromUser = userPart(req.get('From')) ?? '';
      let userId: string | undefined;
      if (ctx.agentAcl.allows(req.source_address)) userId = (await ctx.directory.userBySipUsername(fromUser))?.id;
      // Only a phone with credentials in the directory is challenged; anyone else is
      // refused at once and nothing is ever relayed to the trunk for them.
      else if (await ctx.directory.credentials(fromUser)) userId = await authenticate(ctx, nonces, req, res);
      if (!userId) {
        if (!res.finalResponseSent) res.send(403, { headers: { Reason: 'SIP;cause=403;text="unknown source"' } });
        return;
      }
      const agent = await ctx.directory.user(userId);
      if (!agent) return void res.send(403);
      return outboundCall(ctx, agent, req, res);
    },
    register: (ctx, req, res) => register(ctx, nonces, req, res),
    options: async (_ctx, _req, res) => res.send(200, { headers: { Allow: ALLOW, Accept: 'application/sdp' } }),
    subscribe: notHere,
    message: notHere,
    publish: notHere,
    refer: async (_ctx, _req, res) => res.send(481, 'Call/Transaction Does Not Exist', {}),
    info: async (_ctx, _req, res) => res.send(481, 'Call/Transaction Does Not Exist', {}),
    notify: async (_ctx, _req, res) => res.send(481, 'Call/Transaction Does Not Exist', {}),
  };
}
