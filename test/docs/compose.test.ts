/**
 * The run-it kit checked without Docker (CI has no engine): the compose file's shape,
 * pinned images and mounted paths; the app image's build inputs; and that every
 * setting the code reads is documented in .env.example and the README table, and
 * nothing else is.
 */
import t from 'tap';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config';

const root = resolve(__dirname, '..', '..');
const dockerDir = join(root, 'docker');
const read = (p: string): string => readFileSync(join(root, p), 'utf8');

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

const compose = parse(read('docker/docker-compose.yml')) as Dict;
const services = (isDict(compose.services) ? compose.services : {}) as Record<string, Dict>;

/** True when `p` resolves inside the repository. */
const insideRepo = (p: string): boolean => {
  const rel = relative(root, p);
  return rel !== '' ? !rel.startsWith('..') && !isAbsolute(rel) : true;
};

// ---- .env.example: "# meaning" above each NAME=default ----

interface Setting {
  name: string;
  def: string;
  meaning: string;
}

function parseEnvExample(text: string): Setting[] {
  const lines = text.split('\n');
  const out: Setting[] = [];
  lines.forEach((line, i) => {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) return;
    const above = lines[i - 1] ?? '';
    out.push({ name: m[1]!, def: m[2]!, meaning: above.startsWith('# ') ? above.slice(2).trim() : '' });
  });
  return out;
}

/** Rows of the README table between the config-table markers. */
function parseReadmeTable(readme: string): Setting[] | undefined {
  const a = readme.indexOf('<!-- config-table:start');
  const b = readme.indexOf('<!-- config-table:end -->');
  if (a < 0 || b < a) return undefined;
  return readme
    .slice(a, b)
    .split('\n')
    .flatMap((line) => {
      const m = /^\| `([A-Z][A-Z0-9_]*)` \| (.*?) \| (.*) \|$/.exec(line);
      if (!m) return [];
      const def = m[2] === '*(unset)*' ? '' : m[2]!.replace(/^`(.*)`$/, '$1');
      return [{ name: m[1]!, def, meaning: m[3]! }];
    });
}

// ---- what the code reads ----

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return /\.ts$/.test(name) && !/\.d\.ts$/.test(name) ? [p] : [];
  });
}

/** Names src/config.ts passes to its helpers (`str(env, 'X', …)`) or reads as `env.X` / `env['X']`. */
function configModuleNames(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(/\b\w+\(\s*env\s*,\s*['"`]([A-Z][A-Z0-9_]*)['"`]/g)) names.add(m[1]!);
  for (const m of source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(m[1]!);
  for (const m of source.matchAll(/\benv\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\]/g)) names.add(m[1]!);
  return names;
}

/** `process.env.X` / `process.env['X']` anywhere in src/, with the file each is read in. */
function processEnvNames(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of tsFiles(join(root, 'src'))) {
    const source = readFileSync(file, 'utf8');
    const add = (name: string): void => {
      found.set(name, [...(found.get(name) ?? []), relative(root, file)]);
    };
    for (const m of source.matchAll(/\bprocess\.env\.([A-Za-z_][A-Za-z0-9_]*)\b/g)) add(m[1]!);
    for (const m of source.matchAll(/\bprocess\.env\[\s*['"`]([A-Za-z_][A-Za-z0-9_]*)['"`]\s*\]/g)) add(m[1]!);
  }
  return found;
}

const setDiff = (a: Iterable<string>, b: Set<string>): string[] => [...a].filter((x) => !b.has(x)).sort();

// ---- the compose file ----

t.test('compose: the four services', async (t) => {
  t.same(Object.keys(services).sort(), ['app', 'drachtio', 'freeswitch', 'redis']);
  t.match(services.drachtio?.image, /^drachtio\/drachtio-server:/);
  t.match(services.freeswitch?.image, /^drachtio\/drachtio-freeswitch-mrf:/);
  t.match(services.redis?.image, /^redis:/);
  t.ok(isDict(services.app?.build), 'the app is built from the repository');
});

t.test('compose: every image is pinned', async (t) => {
  for (const [name, svc] of Object.entries(services)) {
    if (svc.image === undefined) {
      t.ok(svc.build, `${name}: no image, so it must be built`);
      continue;
    }
    const image = String(svc.image);
    if (image.includes('@sha256:')) continue;
    const slash = image.lastIndexOf('/');
    const colon = image.lastIndexOf(':');
    t.ok(colon > slash, `${name}: image ${image} has a tag`);
    const tag = colon > slash ? image.slice(colon + 1) : '';
    t.not(tag, 'latest', `${name}: image ${image} is not :latest`);
    t.notMatch(tag, /^\$\{?/, `${name}: image tag is not left to a variable`);
  }
});

t.test('compose: every host path mounted or built from exists in the repo', async (t) => {
  const declared = new Set(Object.keys(isDict(compose.volumes) ? compose.volumes : {}));
  let hostMounts = 0;
  for (const [name, svc] of Object.entries(services)) {
    const volumes = Array.isArray(svc.volumes) ? svc.volumes : [];
    for (const v of volumes) {
      let source: string;
      if (typeof v === 'string') {
        source = v.split(':')[0]!;
      } else if (isDict(v)) {
        source = String(v.source ?? '');
        if (v.type === 'volume') {
          t.ok(declared.has(source), `${name}: named volume ${source} is declared`);
          continue;
        }
      } else {
        t.fail(`${name}: unreadable volume entry`);
        continue;
      }
      if (!/^[./~]/.test(source)) {
        t.ok(declared.has(source), `${name}: named volume ${source} is declared`);
        continue;
      }
      hostMounts++;
      const p = resolve(dockerDir, source);
      t.ok(insideRepo(p), `${name}: ${source} is inside the repository`);
      t.ok(existsSync(p), `${name}: ${source} exists (${relative(root, p) || '.'})`);
    }
    if (isDict(svc.build)) {
      const ctx = resolve(dockerDir, String(svc.build.context ?? '.'));
      t.ok(existsSync(ctx) && insideRepo(ctx), `${name}: build context exists`);
      t.ok(existsSync(join(ctx, String(svc.build.dockerfile ?? 'Dockerfile'))), `${name}: Dockerfile exists`);
    }
  }
  t.ok(hostMounts >= 2, 'the FreeSWITCH conf directory and the directory file are mounted');
});

t.test('compose: FreeSWITCH gets freeswitch/ as its conf directory, the app its settings and directory', async (t) => {
  const fsVolumes = (services.freeswitch?.volumes as unknown[] | undefined) ?? [];
  t.ok(
    fsVolumes.some((v) => typeof v === 'string' && /^\.\.\/freeswitch:\/usr\/local\/freeswitch\/conf(:ro)?$/.test(v)),
    'freeswitch/ is mounted at /usr/local/freeswitch/conf',
  );
  const app = services.app!;
  const envFiles = (Array.isArray(app.env_file) ? app.env_file : [app.env_file]).map((e) => (isDict(e) ? e.path : e));
  t.ok(envFiles.includes('../.env'), 'the app reads ../.env');
  const env = (isDict(app.environment) ? app.environment : {}) as Record<string, unknown>;
  const dirTarget = String(env.DIRECTORY_FILE ?? '');
  const appVolumes = (app.volumes as unknown[] | undefined) ?? [];
  const dirMount = appVolumes.find((v): v is string => typeof v === 'string' && v.split(':')[1] === dirTarget);
  t.ok(dirMount, `the directory file is mounted at DIRECTORY_FILE (${dirTarget})`);
  t.match(dirMount, /:ro$/, 'read-only');
});

// ---- the app image ----

t.test('Dockerfile: pinned bases, build inputs let through .dockerignore, non-root, healthcheck', async (t) => {
  const dockerfile = read('docker/Dockerfile');
  const args = new Map([...dockerfile.matchAll(/^ARG (\w+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!]));
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!.replace(/^\$\{(\w+)\}$/, (_, a: string) => args.get(a) ?? ''));
  t.ok(froms.length >= 2, 'multi-stage');
  for (const image of froms) {
    t.match(image, /^[\w./-]+:[\w.-]+$/, `base image ${image} has a tag`);
    t.notMatch(image, /:latest$/, `base image ${image} is not :latest`);
  }
  t.match(dockerfile, /^USER (?!root)\S+/m, 'runs as a non-root user');
  t.match(dockerfile, /^HEALTHCHECK[\s\S]*\/healthz/m, 'healthcheck on /healthz');
  t.match(dockerfile, /npm run build/, 'builds with the package script');

  const ignore = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  t.equal(ignore[0], '*', '.dockerignore starts from nothing');
  const allowed = new Set(ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, '')));
  const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].map((m) => m[1]!.trim().split(/\s+/).slice(0, -1));
  for (const src of copies.flat()) {
    t.ok(existsSync(join(root, src)), `COPY ${src} exists`);
    t.ok(allowed.has(src.replace(/\/$/, '')), `COPY ${src} is let through .dockerignore`);
  }
});

// ---- settings: code ↔ .env.example ↔ README ----

const settings = parseEnvExample(read('.env.example'));
const documented = new Set(settings.map((s) => s.name));

t.test('.env.example: one entry per setting, each with a meaning', async (t) => {
  t.equal(documented.size, settings.length, 'no variable is listed twice');
  for (const s of settings) t.not(s.meaning, '', `${s.name} has a "# meaning" line above it`);
});

/** Environment variables freeswitch/vars.xml reads at FreeSWITCH's start (`env-set`). */
function freeswitchEnvNames(source: string): Set<string> {
  return new Set([...source.matchAll(/cmd="env-set"\s+data="[^=]+=\$([A-Z][A-Z0-9_]*)"/g)].map((m) => m[1]!));
}

t.test('every variable src/config.ts or FreeSWITCH reads is in .env.example, and nothing else', async (t) => {
  const byApp = configModuleNames(read('src/config.ts'));
  const byFreeswitch = freeswitchEnvNames(read('freeswitch/vars.xml'));
  t.ok(byApp.size >= 10, `found the names in src/config.ts (${byApp.size})`);
  t.ok(byFreeswitch.size >= 5, `found the names in freeswitch/vars.xml (${byFreeswitch.size})`);
  const read_ = new Set([...byApp, ...byFreeswitch]);
  t.same(setDiff(read_, documented), [], 'read by src/config.ts or freeswitch/vars.xml but not documented');
  t.same(setDiff(documented, read_), [], 'documented but read by neither');
});

t.test('compose gives FreeSWITCH the same .env as the app', async (t) => {
  const fs = services.freeswitch!;
  const envFiles = (Array.isArray(fs.env_file) ? fs.env_file : [fs.env_file]).map((e) => (isDict(e) ? e.path : e));
  t.ok(envFiles.includes('../.env'), 'freeswitch reads ../.env');
});

t.test('every process.env read anywhere in src/ is documented', async (t) => {
  // Settings belong in src/config.ts; a direct read elsewhere must at least be documented.
  const direct = processEnvNames();
  for (const [name, files] of direct) {
    t.ok(documented.has(name), `process.env.${name} (${files.join(', ')}) is in .env.example`);
  }
});

t.test('the defaults in .env.example are the real defaults', async (t) => {
  // Copying .env.example to .env unchanged must behave exactly like no .env at all.
  const env = Object.fromEntries(settings.map((s) => [s.name, s.def]));
  t.same(loadConfig(env), loadConfig({}));
});

t.test('the README configuration table is .env.example', async (t) => {
  const table = parseReadmeTable(read('README.md'));
  if (!table) {
    t.fail('README.md has no config-table markers');
    return;
  }
  t.same(table, settings, 'same variables, order, defaults and meanings (regenerate: node docs/config-table.mjs --write)');
});

t.test('compose environment overrides only documented settings', async (t) => {
  for (const [name, svc] of Object.entries(services)) {
    const env = isDict(svc.environment) ? Object.keys(svc.environment) : [];
    if (name === 'app') for (const k of env) t.ok(documented.has(k), `app: ${k} is a documented setting`);
  }
});

// ---- the README's promises ----

t.test('README: quick start and links', async (t) => {
  const readme = read('README.md');
  t.match(readme, /docker compose -f docker\/docker-compose\.yml up/, 'quick start runs the compose file');
  t.match(readme, /npm ci && npm test/, 'quick start runs the tests');
  t.notMatch(readme, /has not landed yet/, 'no stale note about the compose file');
  for (const doc of ['README.md', 'docs/ARCHITECTURE.md']) {
    const text = read(doc);
    for (const m of text.matchAll(/\]\(((?!https?:|#|mailto:)[^)\s]+)\)/g)) {
      const target = m[1]!.replace(/#.*$/, '');
      t.ok(existsSync(resolve(dirname(join(root, doc)), target)), `${doc} links to ${target}, which exists`);
    }
  }
});
