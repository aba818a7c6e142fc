import type { FastifyRequest } from 'fastify';
import type { User } from '../domain';
import type { DirectoryService } from '../app/directory-service';
import { ApiError } from './errors';
import type { AuthThrottle } from './auth-throttle';
import type { Access } from './route';

/** RFC 7235: the scheme is case-insensitive; one or more spaces before the token. */
const BEARER = /^bearer +([\x21-\x7E]{1,512}) *$/i;

/** The token of an `Authorization: Bearer <token>` header, if that is what it is. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return BEARER.exec(header)?.[1];
}

/**
 * Bearer auth: the token's sha256 is looked up (only hashes are stored). Runs in
 * onRequest, before the body is even read, so an unauthenticated client gets 401 for
 * anything it sends, and a wrong role 403, and neither reaches validation or state.
 * A source address that sent too many wrong credentials gets 429 before its token is
 * even looked at, so throttling really stops guessing.
 */
export async function authenticate(request: FastifyRequest, directory: DirectoryService, throttle: AuthThrottle): Promise<User> {
  const header = request.headers.authorization;
  if (header === undefined) throw new ApiError('unauthorized', 'send Authorization: Bearer <token>');
  const token = bearerToken(header);
  let user: User | undefined;
  if (token === undefined) {
    await throttle.check(request.ip);
  } else {
    // The address's failures and the token's user in one round trip: this runs on every request.
    const { counter, limit } = throttle.counterOf(request.ip);
    const found = await directory.authenticateUnlessThrottled(token, counter, limit);
    throttle.enforce(found.failures);
    user = found.user;
  }
  if (!user) {
    await throttle.failed(request.ip);
    throw new ApiError('unauthorized', token === undefined ? 'the Authorization header is not "Bearer <token>"' : 'unknown or revoked token');
  }
  return user;
}

/** For public routes that tell more to an admin: the user if a valid credential came, else nobody (never 401). */
export async function optionalUser(request: FastifyRequest, directory: DirectoryService, throttle: AuthThrottle): Promise<User | undefined> {
  if (request.headers.authorization === undefined) return undefined;
  try {
    return await authenticate(request, directory, throttle);
  } catch (err) {
    if (err instanceof ApiError) return undefined;
    throw err;
  }
}

export function authorize(user: User, access: Access): void {
  if (access === 'public' || access === 'user') return;
  if (!access.includes(user.role)) {
    throw new ApiError('forbidden_role', `this needs the role ${access.join(' or ')}; you are ${user.role}`);
  }
}
