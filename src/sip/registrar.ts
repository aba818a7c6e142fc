import type Srf from 'drachtio-srf';
import type { SipContext } from './context';
import { NonceIssuer, challenge, ha1, verifyDigest } from './digest';
import { userPart } from './uri';

/**
 * REGISTER for agent and supervisor phones: digest auth against the directory's SIP
 * credentials, contacts kept in Redis until they expire. A phone may only register
 * its own address of record.
 */

export const MIN_EXPIRES_SEC = 60;

export function requestedExpires(req: Srf.SrfRequest, contactHeader: string, max: number): number {
  const param = /;\s*expires\s*=\s*(\d+)/i.exec(contactHeader)?.[1];
  const header = req.get('Expires');
  const raw = param ?? header ?? '3600';
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) return 3600;
  if (n === 0) return 0;
  return Math.min(Math.max(n, MIN_EXPIRES_SEC), max);
}

export async function authenticate(
  ctx: SipContext,
  nonces: NonceIssuer,
  req: Srf.SrfRequest,
  res: Srf.SrfResponse,
): Promise<string | undefined> {
  const realm = ctx.settings.domain;
  const header = req.get('Authorization') || undefined;
  const username = /username\s*=\s*"([^"]*)"/i.exec(header ?? '')?.[1];
  const creds = username ? await ctx.directory.credentials(username) : undefined;
  const verdict = verifyDigest(header, req.method, realm, nonces, (u) =>
    u === username && creds ? (creds.ha1 ?? (creds.password !== undefined ? ha1(u, realm, creds.password) : undefined)) : undefined,
  );
  if (verdict.ok) return creds!.userId;
  if (verdict.status === 401) {
    res.send(401, { headers: { 'WWW-Authenticate': challenge(realm, nonces.issue(), verdict.stale) } });
  } else {
    res.send(403, { headers: { Reason: `SIP;cause=403;text="${verdict.reason}"` } });
  }
  return undefined;
}

export async function register(ctx: SipContext, nonces: NonceIssuer, req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
  const userId = await authenticate(ctx, nonces, req, res);
  if (!userId) return;
  const aorUser = userPart(req.get('To'));
  const authUser = /username\s*=\s*"([^"]*)"/i.exec(req.get('Authorization') ?? '')?.[1];
  if (!aorUser || aorUser !== authUser) {
    res.send(403, { headers: { Reason: 'SIP;cause=403;text="you may register only your own address"' } });
    return;
  }
  const contactHeader = req.get('Contact') ?? '';
  const source = `${req.source_address}:${req.source_port}`;
  if (contactHeader.trim() === '*') {
    if (req.get('Expires') !== '0') {
      res.send(400, 'Wildcard contact requires Expires: 0', {});
      return;
    }
    await ctx.registrations.remove(userId);
    res.send(200);
    return;
  }
  const contacts = req.getParsedHeader('Contact') as unknown as { uri: string }[] | undefined;
  if (!contacts || contacts.length === 0) {
    // A REGISTER without Contact queries the bindings.
    const current = await ctx.registrations.contacts(userId);
    res.send(200, { headers: current.length ? { Contact: current.map((r) => `<${r.contact}>`).join(', ') } : {} });
    return;
  }
  const now = Date.now();
  const granted: string[] = [];
  for (const c of contacts) {
    const expires = requestedExpires(req, contactHeader, ctx.settings.registerMaxExpiresSec);
    if (expires === 0) {
      await ctx.registrations.remove(userId, c.uri);
    } else {
      await ctx.registrations.save({ userId, contact: c.uri, source, expiresAt: now + expires * 1000 });
      granted.push(`<${c.uri}>;expires=${expires}`);
    }
  }
  res.send(200, { headers: granted.length ? { Contact: granted.join(', ') } : {} });
}
