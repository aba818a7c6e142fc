/**
 * The API contract: every route's JSON Schema (TypeBox), and the TypeScript types
 * derived from them — one source. The API validates and serializes with these, the
 * application layer returns these types, and the web page (src/web) speaks the API
 * with them. It depends on @sinclair/typebox only; the page imports types from here
 * and constants from ./values, so no schema builder lands in its bundle.
 */
export * from './values';
export * from './common';
export * from './directory';
export * from './calls';
export * from './supervision';
export * from './events';
export * from './me';
export * from './ops';
