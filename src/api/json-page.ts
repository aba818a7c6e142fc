import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';

/**
 * A large listing's 200 body as bytes, each item serialized through its schema (so
 * fields outside the contract still never leave the server). Serializing the whole
 * page as one string builds a rope of thousands of pieces that Fastify then measures
 * and Node encodes, each pass flattening it again: for a page of 500 calls that cost
 * more than building every view. Writing each item's JSON into one buffer does not.
 */
export function sendJsonPage<T extends TSchema>(reply: FastifyReply, key: string, items: readonly Static<T>[], itemSchema: T, next: string | undefined): 'sent' {
  const serialize = reply.compileSerializationSchema(itemSchema as Record<string, unknown>) as (item: unknown) => string;
  const head = `{${JSON.stringify(key)}:[`;
  const tail = next === undefined ? ']}' : `],"next":${JSON.stringify(next)}}`;
  const parts = items.map(serialize);
  let size = head.length + tail.length + Math.max(0, parts.length - 1);
  for (const p of parts) size += Buffer.byteLength(p);
  const body = Buffer.allocUnsafe(size);
  let at = body.write(head);
  parts.forEach((p, i) => {
    if (i > 0) at += body.write(',', at);
    at += body.write(p, at);
  });
  body.write(tail, at);
  void reply.code(200).type('application/json; charset=utf-8').send(body);
  return 'sent';
}
