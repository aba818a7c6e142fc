import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * RFC 2617/7616 digest authentication (MD5, qop=auth) for REGISTER and INVITE from
 * phones. Nonces are stateless: a timestamp and random part signed with a process
 * secret, so any instance can check them, and they expire (→ `stale=true`, the phone
 * retries without asking its user). drachtio-mw-digest-auth accepts any nonce the
 * phone presents, which lets a captured REGISTER be replayed; hence this module.
 */

export const NONCE_LIFETIME_SEC = 300;

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

export function ha1(username: string, realm: string, password: string): string {
  return md5(`${username}:${realm}:${password}`);
}

export class NonceIssuer {
  constructor(
    private readonly secret: Buffer = randomBytes(32),
    private readonly now: () => number = Date.now,
  ) {}

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }

  issue(): string {
    const payload = `${Math.floor(this.now() / 1000).toString(36)}.${randomBytes(9).toString('base64url')}`;
    return `${payload}.${this.sign(payload)}`;
  }

  /** 'ok', 'stale' (ours but too old) or 'invalid' (not ours). */
  check(nonce: string): 'ok' | 'stale' | 'invalid' {
    const parts = nonce.split('.');
    if (parts.length !== 3) return 'invalid';
    const payload = `${parts[0]}.${parts[1]}`;
    const want = Buffer.from(this.sign(payload));
    const got = Buffer.from(parts[2]!);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return 'invalid';
    const issued = parseInt(parts[0]!, 36);
    const age = Math.floor(this.now() / 1000) - issued;
    if (!Number.isFinite(issued) || age < -5) return 'invalid';
    return age > NONCE_LIFETIME_SEC ? 'stale' : 'ok';
  }
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
  algorithm?: string;
}

/** Parses `Digest username="a", realm="b", …` (quoted or token values, any order). */
export function parseDigest(header: string | undefined): DigestCredentials | undefined {
  if (!header) return undefined;
  const m = /^\s*Digest\s+(.*)$/is.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([a-zA-Z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[1]!))) params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
  const { username, realm, nonce, uri, response } = params;
  if (!username || realm === undefined || !nonce || !uri || !response) return undefined;
  return {
    username,
    realm,
    nonce,
    uri,
    response,
    ...(params.qop ? { qop: params.qop } : {}),
    ...(params.nc ? { nc: params.nc } : {}),
    ...(params.cnonce ? { cnonce: params.cnonce } : {}),
    ...(params.algorithm ? { algorithm: params.algorithm } : {}),
  };
}

export function expectedResponse(c: DigestCredentials, method: string, userHa1: string): string {
  const ha2 = md5(`${method}:${c.uri}`);
  if (c.qop) return md5(`${userHa1}:${c.nonce}:${c.nc ?? ''}:${c.cnonce ?? ''}:${c.qop}:${ha2}`);
  return md5(`${userHa1}:${c.nonce}:${ha2}`);
}

export function challenge(realm: string, nonce: string, stale = false): string {
  return `Digest realm="${realm}", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
}

export type DigestVerdict =
  | { ok: true; username: string }
  | { ok: false; status: 401; stale: boolean }
  | { ok: false; status: 403; reason: string };

/** Checks an Authorization header against the user's HA1 (looked up by the caller). */
export function verifyDigest(
  header: string | undefined,
  method: string,
  realm: string,
  nonces: NonceIssuer,
  lookupHa1: (username: string) => string | undefined,
): DigestVerdict {
  const c = parseDigest(header);
  if (!c) return { ok: false, status: 401, stale: false };
  if (c.algorithm && c.algorithm.toUpperCase() !== 'MD5') return { ok: false, status: 403, reason: 'unsupported algorithm' };
  if (c.realm !== realm) return { ok: false, status: 401, stale: false };
  const nonce = nonces.check(c.nonce);
  if (nonce === 'invalid') return { ok: false, status: 401, stale: false };
  const userHa1 = lookupHa1(c.username);
  if (!userHa1) return { ok: false, status: 403, reason: 'unknown user' };
  const want = Buffer.from(expectedResponse(c, method, userHa1));
  const got = Buffer.from(c.response.toLowerCase());
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, status: 403, reason: 'wrong credentials' };
  if (nonce === 'stale') return { ok: false, status: 401, stale: true };
  return { ok: true, username: c.username };
}
