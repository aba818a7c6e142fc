/** Digest authentication for phones: responses, nonces, staleness, replay of foreign nonces. */
import t from 'tap';
import { createHash } from 'node:crypto';
import { NONCE_LIFETIME_SEC, NonceIssuer, challenge, expectedResponse, ha1, parseDigest, verifyDigest } from '../../src/sip/digest';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const realm = 'coachline.example';

function authorization(nonce: string, password = 'secret', user = 'ana', method = 'REGISTER'): string {
  const uri = `sip:${realm}`;
  const h1 = md5(`${user}:${realm}:${password}`);
  const h2 = md5(`${method}:${uri}`);
  const response = md5(`${h1}:${nonce}:00000001:abcdef:auth:${h2}`);
  return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="abcdef"`;
}

t.test('RFC 2617 response with qop=auth, as a phone computes it', async (t) => {
  const c = parseDigest(authorization('n1'))!;
  t.equal(c.username, 'ana');
  t.equal(c.qop, 'auth');
  t.equal(expectedResponse(c, 'REGISTER', ha1('ana', realm, 'secret')), c.response);
  // RFC 2617 §3.5 worked example (qop=auth).
  const rfc = parseDigest(
    'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1"',
  )!;
  t.equal(expectedResponse(rfc, 'GET', ha1('Mufasa', 'testrealm@host.com', 'Circle Of Life')), '6629fae49393a05397450978507c4ef1');
});

t.test('verification', async (t) => {
  let now = 1_700_000_000_000;
  const nonces = new NonceIssuer(Buffer.alloc(32, 7), () => now);
  const lookup = (u: string): string | undefined => (u === 'ana' ? ha1('ana', realm, 'secret') : undefined);
  const n = nonces.issue();
  t.same(verifyDigest(authorization(n), 'REGISTER', realm, nonces, lookup), { ok: true, username: 'ana' });
  t.same(verifyDigest(undefined, 'REGISTER', realm, nonces, lookup), { ok: false, status: 401, stale: false }, 'no credentials: challenge');
  t.match(verifyDigest(authorization(n, 'wrong'), 'REGISTER', realm, nonces, lookup), { ok: false, status: 403 }, 'wrong password');
  t.match(verifyDigest(authorization(n, 'secret', 'eve'), 'REGISTER', realm, nonces, lookup), { ok: false, status: 403 }, 'unknown user');
  t.same(verifyDigest(authorization('forged-nonce'), 'REGISTER', realm, nonces, lookup), { ok: false, status: 401, stale: false }, 'a nonce we never issued');
  const other = new NonceIssuer(Buffer.alloc(32, 8), () => now).issue();
  t.same(verifyDigest(authorization(other), 'REGISTER', realm, nonces, lookup), { ok: false, status: 401, stale: false }, 'a nonce signed with another secret');
  t.match(verifyDigest(authorization(n, 'secret', 'ana', 'INVITE'), 'REGISTER', realm, nonces, lookup), { status: 403 }, 'the method is part of the response');
  now += (NONCE_LIFETIME_SEC + 1) * 1000;
  t.same(verifyDigest(authorization(n), 'REGISTER', realm, nonces, lookup), { ok: false, status: 401, stale: true }, 'an expired nonce is stale');
  t.match(verifyDigest(authorization(n, 'wrong'), 'REGISTER', realm, nonces, lookup), { status: 403 }, 'stale does not hide a wrong password');
  t.match(challenge(realm, 'abc', true), /stale=true/);
});
