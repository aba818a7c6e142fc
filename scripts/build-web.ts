/**
 * Bundles the live supervision page (src/web) with esbuild: one script (Preact and the
 * page, minified), one stylesheet, the HTML shell and the icon. `npm run build` runs it
 * after tsc and writes dist/web/, which the app serves; tests call bundleWeb() in their
 * own process (about a tenth of a second), so they always serve the page as it is in
 * the tree, never a stale build.
 *
 *   tsx scripts/build-web.ts [outdir]     (default dist/web)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type { WebFile } from '../src/api/web-assets';

const WEB_SRC = path.resolve(__dirname, '..', 'src', 'web');

export async function bundleWeb(): Promise<Record<WebFile, string>> {
  const result = await build({
    entryPoints: { app: path.join(WEB_SRC, 'main.tsx'), style: path.join(WEB_SRC, 'style.css') },
    bundle: true,
    write: false,
    outdir: 'out',
    format: 'esm',
    // Evergreen browsers of the last few years (what a contact center's desktops run).
    target: ['chrome109', 'firefox115', 'safari15.6', 'edge109'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'none',
    // Nothing from the network at run time, and nothing from Node's built-ins in a page.
    platform: 'browser',
    logLevel: 'silent',
  });
  const out = (name: string): string => {
    const f = result.outputFiles.find((o) => path.basename(o.path) === name);
    if (!f) throw new Error(`esbuild wrote no ${name}`);
    return f.text;
  };
  return {
    'index.html': readFileSync(path.join(WEB_SRC, 'index.html'), 'utf8'),
    'app.js': out('app.js'),
    'style.css': out('style.css'),
    'favicon.svg': readFileSync(path.join(WEB_SRC, 'favicon.svg'), 'utf8'),
  };
}

async function main(): Promise<void> {
  const outdir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'dist', 'web'));
  const files = await bundleWeb();
  mkdirSync(outdir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(outdir, name), text);
  const kib = (s: string): string => (Buffer.byteLength(s) / 1024).toFixed(1);
  process.stdout.write(`web page → ${path.relative(process.cwd(), outdir)}: app.js ${kib(files['app.js'])} KiB, style.css ${kib(files['style.css'])} KiB\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
