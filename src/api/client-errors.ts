import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './errors';

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a method like `FOO` or
 * `get`, a raw space in the path, bad Content-Length or Transfer-Encoding, headers or
 * a URL over the header size limit, a request not received within the timeouts) get
 * the API's error body too, and the connection is closed.
 */
export function clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = classify(err);
  this.log.info({ code, status, parserError: err.code }, 'request refused by the HTTP parser');
  // Once a response has begun on this socket (a slow handler, an event stream), nothing more can be said on it.
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !current?.headersSent) {
    const body = JSON.stringify(errorBody(code, message));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function classify(err: Error & { code?: string }): [number, string, string] {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request_timeout', 'the request was not received in time'];
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'headers_too_large', 'the request line and headers are larger than the server accepts (16 KiB)'];
    case 'HPE_INVALID_METHOD':
      return [400, 'bad_request', 'unknown HTTP method (methods are upper case: GET, POST, PUT, PATCH, DELETE)'];
    case 'HPE_INVALID_URL':
      return [400, 'bad_request', 'malformed request target (spaces and non-ASCII bytes must be percent-encoded)'];
    default:
      return [400, 'bad_request', `malformed HTTP request${err.code ? ` (${err.code})` : ''}`];
  }
}
