import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The built files of the live supervision page (src/web, bundled by scripts/build-web.ts
 * into dist/web), held in memory: a handful of small files, read once at start.
 */

/** Every file the page consists of, with its media type: nothing else is served. */
export const WEB_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
} as const;
export type WebFile = keyof typeof WEB_FILES;

export interface WebAsset {
  /** All of them are text (the icon is SVG). */
  body: string;
  contentType: string;
  /** Strong validator: a reload fetches a file again only when it changed. */
  etag: string;
}

export type WebAssets = ReadonlyMap<WebFile, WebAsset>;

export function webAssets(files: Readonly<Record<WebFile, Buffer | string>>): WebAssets {
  const out = new Map<WebFile, WebAsset>();
  for (const name of Object.keys(WEB_FILES) as WebFile[]) {
    const body = files[name].toString();
    out.set(name, { body, contentType: WEB_FILES[name], etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  }
  return out;
}

/**
 * dist/web, wherever this file runs from: dist/api/ once compiled, src/api/ under tsx
 * (then the page is there only after `npm run build`; tests bundle it themselves).
 */
export const BUILT_WEB_DIR = __filename.endsWith('.ts') ? path.resolve(__dirname, '..', '..', 'dist', 'web') : path.resolve(__dirname, '..', 'web');

/** The built page in `dir`, or undefined when it has not been built. */
export function loadWebAssets(dir = BUILT_WEB_DIR): WebAssets | undefined {
  const names = Object.keys(WEB_FILES) as WebFile[];
  if (!names.every((n) => existsSync(path.join(dir, n)))) return undefined;
  return webAssets(Object.fromEntries(names.map((n) => [n, readFileSync(path.join(dir, n))])) as Record<WebFile, Buffer>);
}
