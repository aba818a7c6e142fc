import type Srf from 'drachtio-srf';
import type { Throttled } from './auth-throttle';
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

/**
 * Digest auth of a REGISTER or a phone's INVITE; the user id, or undefined once a
 * response has been sent. Credentials are checked only while neither their username
 * nor the source address has failed too often (src/sip/auth-throttle.ts); a request
 * without credentials just gets its challenge, there being nothing to guess.
 */
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
  // Only a directory user's name has a counter: made-up names must not fill Redis.
  const known = creds ? username : undefined;
  if (header) {
    const throttled = await ctx.authThrottle.blocked(req.method, req.source_address, known);
    if (throttled) {
      ctx.log.debug({ method: req.method, username: logged(username), source: req.source_address, by: throttled.by }, 'SIP request refused: too many failed authentications');
      refuseThrottled(res, throttled);
      return undefined;
    }
  }
  const verdict = verifyDigest(header, req.method, realm, nonces, (u) =>
    u === username && creds ? (creds.ha1 ?? (creds.password !== undefined ? ha1(u, realm, creds.password) : undefined)) : undefined,
  );
  if (verdict.ok) {
    await ctx.authThrottle.succeeded(req.source_address, verdict.username);
    return creds!.userId;
  }
  if (verdict.status === 401) {
    res.send(401, { headers: { 'WWW-Authenticate': challenge(realm, nonces.issue(), verdict.stale) } });
    return undefined;
  }
  const reached = await ctx.authThrottle.failed(req.method, req.source_address, known);
  // One line per failed attempt, for fail2ban-style tooling; never the digest itself.
  ctx.log.warn(
    {
      event: 'sip_auth_failed',
      method: req.method,
      username: logged(username),
      source: req.source_address,
      sourcePort: req.source_port,
      reason: verdict.reason,
      ...(reached ? { throttled: reached.by, throttledForSec: reached.retryAfterSec } : {}),
    },
    'SIP digest authentication failed',
  );
  res.send(403, { headers: { Reason: `SIP;cause=403;text="${verdict.reason}"` } });
  return undefined;
}

/** The username a request claimed, bounded: it is whatever the sender wrote. */
const logged = (username: string | undefined): string | undefined => username?.slice(0, 64);

/**
 * 503 with Retry-After, not 403 or 429. SIP's 429 is "Provide Referrer Identity" (RFC
 * 3892), not HTTP's Too Many Requests. A 403 reads as "wrong credentials", and RFC 3261
 * §20.33 gives Retry-After no meaning on it, so a phone may stop registering until its
 * own long retry timer; 503 with Retry-After (§21.5.4) says the refusal is temporary and
 * when to come back, so the real phone re-registers by itself once the window ends. It
 * is also what Kamailio's ratelimit module documents for requests over a limit.
 */
function refuseThrottled(res: Srf.SrfResponse, t: Throttled): void {
  const what = t.by === 'username' ? 'this username' : 'your address';
  res.send(503, 'Service Unavailable', {
    headers: { 'Retry-After': String(t.retryAfterSec), Reason: `SIP;cause=503;text="too many failed authentications for ${what}"` },
  });
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
