import t from 'tap';
import { startRedis, dumpRedis } from '../helpers/redis';
import { makeWorld, activeCall, TOKENS, SALES, LEGAL } from '../helpers/world';
import { toDomainUser } from '../../src/app';

/**
 * SPEC §7: every bad request gets the right 4xx with a machine-readable code and a
 * sentence, never a 500, and changes nothing: all of Redis under the prefix is dumped
 * before and after each request and compared.
 */
interface Case {
  name: string;
  as?: keyof typeof TOKENS;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  raw?: string;
  contentType?: string;
  status: number;
  code: string;
}

const BODY_LIMIT = 4096;

t.test('bad requests: right 4xx, Redis unchanged', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const w = await makeWorld(server, { refresh: false, bodyLimitBytes: BODY_LIMIT });
  t.teardown(w.close);
  await w.service.callChanged(activeCall('call-1'), { type: 'call_answered' });
  await w.service.callChanged(activeCall('call-legal', LEGAL), { type: 'call_answered' });
  await w.service.callChanged(activeCall('call-own', SALES, 'sue'), { type: 'call_answered' });
  await w.service.callChanged({ ...activeCall('call-112'), emergency: true }, { type: 'call_answered' });
  const sue = toDomainUser((await w.store.directory.getUser('sue'))!);
  const root = toDomainUser((await w.store.directory.getUser('root'))!);
  const ended = await w.service.startSupervision(sue, 'call-1', { target: 'A', mode: 'monitor' });
  await w.service.stopSupervision(sue, ended.id);
  const live = await w.service.startSupervision(root, 'call-1', { target: 'A', mode: 'monitor' });
  await w.service.idle();

  const start = (body: unknown, extra: Partial<Case> = {}): Omit<Case, 'name' | 'status' | 'code'> => ({
    method: 'POST', url: '/v1/calls/call-1/supervisions', as: 'sue', body, ...extra,
  });
  const user = (over: object): object => ({ id: 'newbie', name: 'New', role: 'agent', ...over });
  const number = (over: object): object => ({ e164: '+34910000077', name: 'N', distribution: ['ana'], ...over });

  const cases: Case[] = [
    // ---- start a supervision: types, shapes, strings ----
    { name: 'unknown mode', ...start({ target: 'A', mode: 'spy' }), status: 400, code: 'bad_request' },
    { name: 'mode as number', ...start({ target: 'A', mode: 123 }), status: 400, code: 'bad_request' },
    { name: 'mode as array (no coercion)', ...start({ target: 'A', mode: ['coach'] }), status: 400, code: 'bad_request' },
    { name: 'notify as string', ...start({ target: 'A', mode: 'coach', notify: 'true' }), status: 400, code: 'bad_request' },
    { name: 'confirm as number', ...start({ target: 'A', mode: 'monitor', confirm: 1 }), status: 400, code: 'bad_request' },
    { name: 'target missing', ...start({ mode: 'monitor' }), status: 400, code: 'bad_request' },
    { name: 'mode missing', ...start({ target: 'A' }), status: 400, code: 'bad_request' },
    { name: 'unknown field', ...start({ target: 'A', mode: 'monitor', admin: true }), status: 400, code: 'bad_request' },
    { name: 'empty target', ...start({ target: '', mode: 'monitor' }), status: 400, code: 'bad_request' },
    { name: 'unicode target', ...start({ target: 'Ä😀', mode: 'monitor' }), status: 400, code: 'bad_request' },
    { name: 'SQL injection target', ...start({ target: "' OR 1=1 --", mode: 'monitor' }), status: 400, code: 'bad_request' },
    { name: 'Redis glob target', ...start({ target: '*', mode: 'monitor' }), status: 422, code: 'target_not_found' },
    { name: 'Lua/CRLF injection target', ...start({ target: 'A\r\nFLUSHALL', mode: 'monitor' }), status: 400, code: 'bad_request' },
    { name: 'overlong target', ...start({ target: 'x'.repeat(129), mode: 'monitor' }), status: 400, code: 'bad_request' },
    { name: 'target object', ...start({ target: { a: { b: { c: {} } } }, mode: 'monitor' }), status: 400, code: 'bad_request' },
    { name: 'unknown participant', ...start({ target: 'ZZZ', mode: 'monitor' }), status: 422, code: 'target_not_found' },
    { name: 'coach the customer', ...start({ target: 'external', mode: 'coach' }), status: 422, code: 'target_not_agent' },
    // ---- bodies that are not JSON objects ----
    { name: 'not JSON', ...start(undefined, { raw: 'not json', contentType: 'application/json' }), status: 400, code: 'bad_json' },
    { name: 'truncated JSON', ...start(undefined, { raw: '{"target":"A","mode":"coach"', contentType: 'application/json' }), status: 400, code: 'bad_json' },
    { name: 'array body', ...start(undefined, { raw: '[]', contentType: 'application/json' }), status: 400, code: 'bad_request' },
    { name: 'null body', ...start(undefined, { raw: 'null', contentType: 'application/json' }), status: 400, code: 'bad_request' },
    { name: 'empty body', ...start(undefined, { raw: '', contentType: 'application/json' }), status: 400, code: 'bad_json' },
    { name: '__proto__ pollution', ...start(undefined, { raw: '{"__proto__":{"role":"admin"},"target":"A","mode":"monitor"}', contentType: 'application/json' }), status: 400, code: 'bad_json' },
    { name: 'oversized body', ...start({ target: 'A', mode: 'monitor', pad: 'x'.repeat(BODY_LIMIT) }), status: 413, code: 'body_too_large' },
    { name: 'text/plain body', ...start(undefined, { raw: 'target=A&mode=coach', contentType: 'text/plain' }), status: 415, code: 'unsupported_media_type' },
    { name: 'form body', ...start(undefined, { raw: 'target=A&mode=coach', contentType: 'application/x-www-form-urlencoded' }), status: 415, code: 'unsupported_media_type' },
    // ---- call ids in the path ----
    { name: 'unknown call', ...start({ target: 'A', mode: 'monitor' }, { url: '/v1/calls/nope/supervisions' }), status: 404, code: 'call_not_found' },
    { name: 'call id with spaces (injection)', ...start({ target: 'A', mode: 'monitor' }, { url: '/v1/calls/call-1%20OR%201%3D1/supervisions' }), status: 400, code: 'bad_request' },
    { name: 'call id with NUL', ...start({ target: 'A', mode: 'monitor' }, { url: '/v1/calls/call-1%00/supervisions' }), status: 400, code: 'bad_request' },
    { name: 'call id path traversal', ...start({ target: 'A', mode: 'monitor' }, { url: '/v1/calls/..%2F..%2Fetc%2Fpasswd/supervisions' }), status: 404, code: 'call_not_found' },
    { name: 'broken percent-encoding', ...start({ target: 'A', mode: 'monitor' }, { url: '/v1/calls/%E0%A4%A/supervisions' }), status: 400, code: 'bad_request' },
    { name: 'id beyond the router limit', ...start({ target: 'A', mode: 'monitor' }, { url: `/v1/calls/${'c'.repeat(300)}/supervisions` }), status: 414, code: 'uri_too_long' },
    { name: 'unicode call id', ...start({ target: 'A', mode: 'monitor' }, { url: '/v1/calls/caf%C3%A9/supervisions' }), status: 400, code: 'bad_request' },
    // ---- rules (refusals with the domain codes) ----
    { name: 'number switched off', ...start({ target: 'A', mode: 'monitor' }, { url: '/v1/calls/call-legal/supervisions' }), status: 403, code: 'not_supervisable' },
    { name: 'own call', ...start({ target: 'A', mode: 'monitor' }, { url: '/v1/calls/call-own/supervisions' }), status: 403, code: 'own_call' },
    { name: 'emergency call', ...start({ target: 'A', mode: 'monitor' }, { url: '/v1/calls/call-112/supervisions' }), status: 403, code: 'emergency_call' },
    { name: 'mode without permission', ...start({ target: 'A', mode: 'coach' }, { as: 'rem' }), status: 403, code: 'forbidden_mode' },
    { name: 'supervisor unavailable', ...start({ target: 'A', mode: 'monitor' }, { as: 'rem' }), status: 409, code: 'not_available' },
    { name: 'supervisor already busy', ...start({ target: 'external', mode: 'monitor' }, { as: 'root' }), status: 409, code: 'supervisor_busy' },
    { name: 'agent may not supervise', ...start({ target: 'A', mode: 'monitor' }, { as: 'ana' }), status: 403, code: 'forbidden_role' },
    // ---- sessions ----
    { name: 'switch to unknown mode', method: 'PATCH', url: `/v1/supervisions/${live.id}`, as: 'root', body: { mode: 'whisper' }, status: 400, code: 'bad_request' },
    { name: 'switch without mode', method: 'PATCH', url: `/v1/supervisions/${live.id}`, as: 'root', body: {}, status: 400, code: 'bad_request' },
    { name: 'switch unknown session', method: 'PATCH', url: '/v1/supervisions/nope', as: 'sue', body: { mode: 'coach' }, status: 404, code: 'session_not_found' },
    { name: 'switch ended session', method: 'PATCH', url: `/v1/supervisions/${ended.id}`, as: 'sue', body: { mode: 'coach' }, status: 409, code: 'session_not_live' },
    { name: 'switch someone else’s session', method: 'PATCH', url: `/v1/supervisions/${live.id}`, as: 'sue', body: { mode: 'barge' }, status: 403, code: 'not_session_owner' },
    { name: 'stop unknown session', method: 'DELETE', url: '/v1/supervisions/nope', as: 'sue', status: 404, code: 'session_not_found' },
    { name: 'overlong session id', method: 'GET', url: `/v1/supervisions/${'s'.repeat(129)}`, as: 'sue', status: 400, code: 'bad_request' },
    // ---- call queries ----
    { name: 'number filter not a number', method: 'GET', url: '/v1/calls?number=abc', as: 'sue', status: 400, code: 'bad_request' },
    { name: 'number filter repeated', method: 'GET', url: '/v1/calls?number=%2B34&number=%2B35', as: 'sue', status: 400, code: 'bad_request' },
    { name: 'unknown filter', method: 'GET', url: '/v1/calls?foo=1', as: 'sue', status: 400, code: 'bad_request' },
    { name: 'emoji agent filter', method: 'GET', url: '/v1/calls?agent=%F0%9F%98%80', as: 'sue', status: 400, code: 'bad_request' },
    { name: 'timeline of unknown call', method: 'GET', url: '/v1/calls/nope/timeline', as: 'sue', status: 404, code: 'call_not_found' },
    // ---- users ----
    { name: 'user without name', method: 'POST', url: '/v1/users', as: 'root', body: { id: 'x', role: 'agent' }, status: 400, code: 'bad_request' },
    { name: 'unknown role', method: 'POST', url: '/v1/users', as: 'root', body: user({ role: 'superuser' }), status: 400, code: 'bad_request' },
    { name: 'unicode user id', method: 'POST', url: '/v1/users', as: 'root', body: user({ id: 'Zoë' }), status: 400, code: 'bad_request' },
    { name: 'existing user id', method: 'POST', url: '/v1/users', as: 'root', body: user({ id: 'ana' }), status: 409, code: 'user_exists' },
    { name: 'short token', method: 'POST', url: '/v1/users', as: 'root', body: user({ tokens: ['short'] }), status: 400, code: 'bad_request' },
    { name: 'token of another user', method: 'POST', url: '/v1/users', as: 'root', body: user({ tokens: [TOKENS.sue] }), status: 409, code: 'token_in_use' },
    { name: 'SIP username of another user', method: 'POST', url: '/v1/users', as: 'root', body: user({ sip: { username: 'ana', password: 'longenough' } }), status: 409, code: 'sip_username_in_use' },
    { name: 'unknown device kind', method: 'POST', url: '/v1/users', as: 'root', body: user({ device: { kind: 'pigeon' } }), status: 400, code: 'bad_request' },
    { name: 'password and HA1', method: 'POST', url: '/v1/users', as: 'root', body: user({ sip: { username: 'n', password: 'longenough', ha1: '0123456789abcdef0123456789abcdef' } }), status: 400, code: 'bad_request' },
    { name: 'duplicate permissions', method: 'POST', url: '/v1/users', as: 'root', body: user({ permissions: ['monitor', 'monitor'] }), status: 400, code: 'bad_request' },
    { name: 'replace unknown user', method: 'PUT', url: '/v1/users/nobody', as: 'root', body: { name: 'N', role: 'agent' }, status: 404, code: 'user_not_found' },
    { name: 'unknown status', method: 'PUT', url: '/v1/users/ana/status', as: 'ana', body: { status: 'sleeping' }, status: 400, code: 'bad_request' },
    { name: 'status of unknown user', method: 'PUT', url: '/v1/users/nobody/status', as: 'root', body: { status: 'available' }, status: 404, code: 'user_not_found' },
    { name: 'delete unknown user', method: 'DELETE', url: '/v1/users/nobody', as: 'root', status: 404, code: 'user_not_found' },
    { name: 'delete a supervising user', method: 'DELETE', url: '/v1/users/root', as: 'root', status: 409, code: 'user_in_session' },
    { name: 'demote the last admin', method: 'PUT', url: '/v1/users/root', as: 'root', body: { name: 'Admin', role: 'supervisor', permissions: ['monitor'] }, status: 409, code: 'last_admin' },
    // ---- numbers ----
    { name: 'distribution names unknown user', method: 'POST', url: '/v1/numbers', as: 'root', body: number({ distribution: ['ana', 'ghost'] }), status: 422, code: 'unknown_user' },
    { name: 'injection in e164', method: 'POST', url: '/v1/numbers', as: 'root', body: number({ e164: '+1 OR 1=1' }), status: 400, code: 'bad_request' },
    { name: 'existing number', method: 'POST', url: '/v1/numbers', as: 'root', body: number({ e164: SALES }), status: 409, code: 'number_exists' },
    { name: 'duplicate distribution entries', method: 'POST', url: '/v1/numbers', as: 'root', body: number({ distribution: ['ana', 'ana'] }), status: 400, code: 'bad_request' },
    { name: 'flag as string', method: 'POST', url: '/v1/numbers', as: 'root', body: number({ emergency: 'yes' }), status: 400, code: 'bad_request' },
    { name: 'replace unknown number', method: 'PUT', url: '/v1/numbers/%2B999999', as: 'root', body: { name: 'N', distribution: [] }, status: 404, code: 'number_not_found' },
    { name: 'delete malformed number', method: 'DELETE', url: '/v1/numbers/abc', as: 'root', status: 400, code: 'bad_request' },
    // ---- routes that do not exist ----
    { name: 'unknown route', method: 'GET', url: '/v1/nothing', as: 'sue', status: 404, code: 'route_not_found' },
    { name: 'unknown method on a route', method: 'DELETE', url: '/v1/calls', as: 'sue', status: 404, code: 'route_not_found' },
  ];

  const seen = new Map<string, number>();
  for (const c of cases) {
    const before = await dumpRedis(w.redis, w.config.redis.keyPrefix);
    const headers: Record<string, string> = c.as ? { authorization: `Bearer ${TOKENS[c.as]}` } : {};
    if (c.contentType) headers['content-type'] = c.contentType;
    const res = await w.app.inject({
      method: c.method,
      url: c.url,
      headers,
      ...(c.raw !== undefined ? { payload: c.raw } : c.body !== undefined ? { payload: c.body as object } : {}),
    });
    await w.service.idle();
    const body = res.json() as { error?: { code?: string; message?: string } };
    t.equal(res.statusCode, c.status, `${c.name}: ${res.statusCode} ${body.error?.code}: ${body.error?.message}`);
    t.equal(body.error?.code, c.code, `${c.name}: code`);
    t.ok(typeof body.error?.message === 'string' && body.error.message.length > 0, `${c.name}: a sentence`);
    t.same(await dumpRedis(w.redis, w.config.redis.keyPrefix), before, `${c.name}: Redis unchanged`);
    seen.set(`${res.statusCode} ${body.error?.code}`, (seen.get(`${res.statusCode} ${body.error?.code}`) ?? 0) + 1);
  }
  t.ok(cases.length >= 30);
  t.equal([...seen.keys()].filter((k) => k.startsWith('5')).length, 0, 'no 5xx');
  t.same(w.signaling.dials.length, 2, 'no supervisor was dialed by a bad request');
  t.comment(`bad requests: ${cases.length} tried; codes ${JSON.stringify(Object.fromEntries([...seen].sort()))}`);
});
