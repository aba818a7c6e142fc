import type Srf from 'drachtio-srf';
import type { User } from '../domain';
import { identifyAgent } from './agent-identity';
import type { SipContext } from './context';
import { NonceIssuer } from './digest';
import { inboundCall } from './inbound';
import { inviteRefusal } from './invite-checks';
import { outboundCall } from './outbound';
import { register } from './registrar';
import { internalCall } from './internal';
import { userPart } from './uri';

/**
 * Every out-of-dialog SIP request coachline accepts, in one table (in-dialog
 * requests — BYE, re-INVITE, REFER, INFO — are handled on their dialog, see
 * in-dialog.ts and supervisor-dialer.ts). Whatever reaches the app and matches
 * neither is answered by unrouted.ts, which also says what drachtio-server hands an
 * app at all: out of a dialog, never a REFER (its route below is for a drachtio-server
 * that would), a PRACK or an unknown method.
 */
type Handler = (ctx: SipContext, req: Srf.SrfRequest, res: Srf.SrfResponse) => Promise<void>;

async function directoryUser(ctx: SipContext, name: string | undefined): Promise<User | undefined> {
  if (!name) return undefined;
  return (await ctx.directory.userBySipUsername(name)) ?? (await ctx.directory.user(name));
}

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
      const userId = await identifyAgent(ctx, nonces, req, res);
      if (!userId) return;
      const agent = await ctx.directory.user(userId);
      if (!agent) return void res.send(403);
      // A colleague (SIP username or user id) is reached inside coachline, never through the trunk.
      const colleague = await directoryUser(ctx, userPart(req.uri));
      if (colleague) return internalCall(ctx, agent, colleague, req, res);
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
