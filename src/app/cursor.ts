import { AppError } from './errors';

/**
 * Opaque page cursors: what a page ended at, tagged with what it pages, so a cursor of
 * one listing is refused by another instead of silently read as something else.
 * Clients only ever hand back what `next` gave them.
 */
export type CursorKind = 'calls' | 'timeline';

export function encodeCursor(kind: CursorKind, position: string): string {
  return Buffer.from(`${kind}:${position}`, 'utf8').toString('base64url');
}

export function decodeCursor(kind: CursorKind, cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const prefix = `${kind}:`;
  // Round-tripping rejects strings that are not canonical base64url of what we wrote.
  if (!text.startsWith(prefix) || text.length === prefix.length || encodeCursor(kind, text.slice(prefix.length)) !== cursor) {
    throw new AppError('bad_cursor', 'this cursor was not given by this listing; start again without one');
  }
  return text.slice(prefix.length);
}

/** A page size from a query string: 1…max, default when absent. */
export function pageLimit(raw: string | undefined, def: number, max: number): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new AppError('bad_request', `limit must be an integer from 1 to ${max}`);
  return n;
}
