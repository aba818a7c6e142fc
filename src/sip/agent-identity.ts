import type Srf from 'drachtio-srf';
import type { SipContext } from './context';
import type { NonceIssuer } from './digest';
import { authenticate } from './registrar';
import { userPart } from './uri';

/**
 * Who an INVITE from a phone (not the trunk) comes from: the directory user its From
 * names, when AGENT_ACL lets that user call from this address without a password
 * (src/sip/agent-acl.ts), or else when it answers the digest challenge. Only a name
 * with credentials is challenged; anyone else is refused at once and nothing is ever
 * relayed to the trunk for them. Returns undefined once a response has been sent.
 */
export async function identifyAgent(ctx: SipContext, nonces: NonceIssuer, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<string | undefined> {
  const fromUser = userPart(req.get('From')) ?? '';
  const trust = ctx.agentAcl.trust(req.source_address, fromUser);
  if (trust) {
    const user = await ctx.directory.userBySipUsername(fromUser);
    if (user) {
      ctx.log.debug({ source: req.source_address, username: fromUser, trust }, 'agent call trusted by AGENT_ACL, no digest');
      return user.id;
    }
  } else if (await ctx.directory.credentials(fromUser)) {
    return authenticate(ctx, nonces, req, res);
  }
  res.send(403, { headers: { Reason: 'SIP;cause=403;text="unknown source"' } });
  return undefined;
}
