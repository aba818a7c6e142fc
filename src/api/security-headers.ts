import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The page's policy: its own script, styles, images and API, nothing inline and
 * nothing from elsewhere. User-supplied text is escaped by the UI library, and this is
 * the second line: even injected markup could not run a script or load anything.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Everything else is data: a JSON body opened in a browser tab runs and loads nothing. */
const DATA_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * onSend, for every response the routes answer (event streams write their own headers):
 * no MIME sniffing, no framing, no Referer, and no caching unless the route set its own
 * Cache-Control (the page's files do) — API answers are live state and are per user.
 */
export async function securityHeaders(_request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  void reply.header('x-content-type-options', 'nosniff');
  void reply.header('x-frame-options', 'DENY');
  void reply.header('referrer-policy', 'no-referrer');
  if (!reply.hasHeader('content-security-policy')) void reply.header('content-security-policy', DATA_CSP);
  if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
  return payload;
}
