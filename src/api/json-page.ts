import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';

/**
 * Each item's JSON, per item schema, for items that can no longer change: the call
 * list hands out the same view objects request after request while their calls are
 * unchanged (src/app/listed-views.ts), and their bytes are then the same too. An item
 * counts as unchangeable when it is frozen, so whoever freezes one freezes all of it
 * (ListedViews deep-freezes). Weak on both sides: it holds nothing the views' owner
 * has let go.
 */
const encoded = new WeakMap<TSchema, WeakMap<object, Buffer>>();

const COMMA = 0x2c;

/**
 * A large listing's 200 body as bytes, each item serialized through its schema (so
 * fields outside the contract still never leave the server). Serializing the whole
 * page as one string builds a rope of thousands of pieces that Fastify then measures
 * and Node encodes, each pass flattening it again: for a page of 500 calls that cost
 * more than building every view. Writing each item's JSON into one buffer does not;
 * and a frozen item (see `encoded`) is serialized once, not once per request.
 */
export function sendJsonPage<T extends TSchema>(reply: FastifyReply, key: string, items: readonly Static<T>[], itemSchema: T, next: string | undefined): 'sent' {
  let memo = encoded.get(itemSchema);
  if (!memo) encoded.set(itemSchema, (memo = new WeakMap()));
  let serialize: ((item: unknown) => string) | undefined;
  const head = Buffer.from(`{${JSON.stringify(key)}:[`);
  const tail = Buffer.from(next === undefined ? ']}' : `],"next":${JSON.stringify(next)}}`);
  const parts = items.map((item) => {
    const frozen = typeof item === 'object' && item !== null && Object.isFrozen(item);
    let bytes = frozen ? memo.get(item) : undefined;
    if (!bytes) {
      serialize ??= reply.compileSerializationSchema(itemSchema as Record<string, unknown>) as (item: unknown) => string;
      bytes = Buffer.from(serialize(item));
      if (frozen) {
        // A small Buffer.from is a slice of a shared 8 KiB pool slab, and a kept slice
        // keeps its whole slab: one per call listed since its last change, ~8 KiB of
        // external memory each (issue 14). Kept bytes get a right-sized buffer of their own.
        const own = Buffer.allocUnsafeSlow(bytes.length);
        bytes.copy(own);
        memo.set(item, (bytes = own));
      }
    }
    return bytes;
  });
  let size = head.length + tail.length + Math.max(0, parts.length - 1);
  for (const p of parts) size += p.length;
  // One copy per item with TypedArray#set: Buffer.concat of a page's 1,000 pieces costs eight times more.
  const body = Buffer.allocUnsafe(size);
  body.set(head, 0);
  let at = head.length;
  parts.forEach((p, i) => {
    if (i > 0) body[at++] = COMMA;
    body.set(p, at);
    at += p.length;
  });
  body.set(tail, at);
  void reply.code(200).type('application/json; charset=utf-8').send(body);
  return 'sent';
}
