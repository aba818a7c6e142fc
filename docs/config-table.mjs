#!/usr/bin/env node
// Renders the README's configuration table from .env.example, the one list of settings.
//
//   node docs/config-table.mjs           print the table
//   node docs/config-table.mjs --write   replace the table in README.md (between the
//                                        config-table markers)
//
// test/docs/compose.test.ts fails when the two disagree, or when either differs from
// what src/config.ts reads.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const START = '<!-- config-table:start (generated from .env.example by docs/config-table.mjs) -->';
const END = '<!-- config-table:end -->';

/** Entries of .env.example: a "# meaning" line directly above each NAME=default line. */
export function parseEnvExample(text) {
  const lines = text.split('\n');
  const entries = [];
  lines.forEach((line, i) => {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) return;
    const above = lines[i - 1] ?? '';
    if (!above.startsWith('# ')) throw new Error(`.env.example: ${m[1]} has no "# meaning" line above it`);
    entries.push({ name: m[1], def: m[2], meaning: above.slice(2).trim() });
  });
  return entries;
}

export function renderTable(entries) {
  const rows = entries.map((e) => `| \`${e.name}\` | ${e.def === '' ? '*(unset)*' : `\`${e.def}\``} | ${e.meaning} |`);
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const table = renderTable(parseEnvExample(readFileSync(join(root, '.env.example'), 'utf8')));
  if (process.argv.includes('--write')) {
    const readmePath = join(root, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const a = readme.indexOf(START);
    const b = readme.indexOf(END);
    if (a < 0 || b < a) throw new Error('README.md has no config-table markers');
    writeFileSync(readmePath, `${readme.slice(0, a + START.length)}\n${table}\n${readme.slice(b)}`);
  } else {
    process.stdout.write(`${table}\n`);
  }
}
