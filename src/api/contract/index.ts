/**
 * The API contract: every route's JSON Schema (TypeBox), and the TypeScript types
 * derived from them — one source. A web page imports this module (it depends on
 * @sinclair/typebox only) to speak the API with the same types the server checks.
 */
export * from './common';
export * from './directory';
export * from './calls';
export * from './supervision';
export * from './ops';
