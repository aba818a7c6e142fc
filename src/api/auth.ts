import type { FastifyRequest } from 'fastify';
import type { User } from '../domain';
import type { DirectoryService } from '../app/directory-service';
import { ApiError } from './errors';
import type { Access } from './route';

const BEARER = /^Bearer ([\x21-\x7E]{1,512})$/;

/**
 * Bearer auth: the token's sha256 is looked up (only hashes are stored). Runs in
 * onRequest, before the body is even read, so an unauthenticated client gets 401 for
 * anything it sends, and a wrong role 403, and neither reaches validation or state.
 */
export async function authenticate(request: FastifyRequest, directory: DirectoryService): Promise<User> {
  const header = request.headers.authorization;
  if (header === undefined) throw new ApiError('unauthorized', 'send Authorization: Bearer <token>');
  const m = BEARER.exec(header);
  if (!m) throw new ApiError('unauthorized', 'the Authorization header is not "Bearer <token>"');
  const user = await directory.authenticate(m[1]!);
  if (!user) throw new ApiError('unauthorized', 'unknown or revoked token');
  return user;
}

export function authorize(user: User, access: Access): void {
  if (access === 'public' || access === 'user') return;
  if (!access.includes(user.role)) {
    throw new ApiError('forbidden_role', `this needs the role ${access.join(' or ')}; you are ${user.role}`);
  }
}
