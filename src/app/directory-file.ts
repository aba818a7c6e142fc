/**
 * The directory file (DIRECTORY_FILE, YAML or JSON): parsed with source positions,
 * validated against the same schemas as the API, and imported into Redis at start.
 *
 *   parseDirectoryFile(text, fileName, knownUserIds?) → DirectoryFile   (throws DirectoryFileError)
 *   bootstrapDirectory({ store, directory, config, logger }) → { imported, users, numbers }
 *
 * Every problem names the field as a path (users[2].device.kind) and its line and
 * column in the file, so an operator can fix a 500-user file without guessing.
 * YAML hint: numbers such as +34910000001 must be quoted, or YAML reads them as integers.
 */
import { readFile } from 'node:fs/promises';
import Ajv, { ErrorObject } from 'ajv';
import { Document, LineCounter, Node, isMap, isPair, isScalar, parseDocument } from 'yaml';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { CoachlineError } from '../domain';
import { DirectoryFile } from '../contract';
import type { DirectoryImport, Store } from '../store';
import { DirectoryService } from './directory-service';
import { sha256Hex } from './credentials';

export interface FileProblem {
  /** users[2].device.kind; '' for the file as a whole. */
  path: string;
  line?: number;
  column?: number;
  message: string;
}

export class DirectoryFileError extends CoachlineError {
  readonly problems: FileProblem[];

  constructor(file: string, problems: FileProblem[]) {
    const where = (p: FileProblem): string => `${p.path || '(file)'}${p.line ? ` (line ${p.line}, column ${p.column})` : ''}: ${p.message}`;
    super('directory_file_invalid', `directory file ${file}: ${problems.map(where).join('; ')}`, { problems });
    this.name = 'DirectoryFileError';
    this.problems = problems;
  }
}

type Seg = string | number;

const ajv = new Ajv({ allErrors: true, discriminator: true, strict: false, verbose: true });
const validate = ajv.compile<DirectoryFile>(DirectoryFile);

const human = (segs: readonly Seg[]): string =>
  segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

const pointer = (p: string): Seg[] =>
  p === '' ? [] : p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));

/** Where a path is in the file: the node itself, or for a key that should not be there, the key. */
function position(doc: Document, lc: LineCounter, segs: readonly Seg[], asKey = false): { line?: number; column?: number } {
  let node: unknown = segs.length === 0 ? doc.contents : doc.getIn(segs, true);
  if (asKey && segs.length > 0) {
    const parent = doc.getIn(segs.slice(0, -1), true);
    const last = segs[segs.length - 1];
    if (isMap(parent)) node = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === last)?.key ?? node;
  }
  // A value that is absent (a missing field): point at the closest enclosing node.
  for (let n = segs.length - 1; (node === undefined || node === null) && n >= 0; n--) node = doc.getIn(segs.slice(0, n), true);
  const range = (node as Node | undefined)?.range;
  if (!range) return {};
  const { line, col } = lc.linePos(range[0]);
  return { line, column: col };
}

function describe(e: ErrorObject, value: unknown): string {
  switch (e.keyword) {
    case 'enum':
      return `must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'discriminator':
      return `must have a known "${(e.params as { tag: string }).tag}"`;
    case 'oneOf': {
      const alts = (e.schema as { required?: string[] }[]).flatMap((s) => s.required ?? []);
      return alts.length > 0 ? `needs exactly one of: ${alts.join(', ')}` : 'matches none or several of the allowed shapes';
    }
    case 'type':
      return typeof value === 'number' && e.params.type === 'string'
        ? `must be a string (quote it: YAML read ${value} as a number)`
        : `must be ${e.params.type as string}`;
    default:
      return e.message ?? e.keyword;
  }
}

function schemaProblems(doc: Document, lc: LineCounter, errors: ErrorObject[]): FileProblem[] {
  // oneOf alternatives report each failed `required`; the oneOf error says it once.
  const oneOfs = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const seen = new Set<string>();
  const out: FileProblem[] = [];
  for (const e of errors) {
    if (e.keyword !== 'oneOf' && oneOfs.has(e.instancePath) && e.schemaPath.includes('/oneOf/')) continue;
    const segs = pointer(e.instancePath);
    const extra = e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty : e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : undefined;
    const full = extra !== undefined ? [...segs, extra] : segs;
    const path = human(full);
    const message = describe(e, e.data);
    if (seen.has(`${path}|${message}`)) continue;
    seen.add(`${path}|${message}`);
    out.push({ path, ...position(doc, lc, full, e.keyword === 'additionalProperties'), message });
  }
  return out;
}

/** Cross-entry rules JSON Schema cannot say: unique ids, tokens, SIP usernames; known users in distributions. */
function referenceProblems(doc: Document, lc: LineCounter, dir: DirectoryFile, knownUserIds: ReadonlySet<string>): FileProblem[] {
  const out: FileProblem[] = [];
  const at = (segs: Seg[], message: string): void => {
    out.push({ path: human(segs), ...position(doc, lc, segs), message });
  };
  const users = dir.users ?? [];
  const firstUser = new Map<string, number>();
  const tokenOwner = new Map<string, string>();
  const sipOwner = new Map<string, string>();
  users.forEach((u, i) => {
    if (firstUser.has(u.id)) at(['users', i, 'id'], `duplicate user id "${u.id}" (also users[${firstUser.get(u.id)}])`);
    else firstUser.set(u.id, i);
    const hashes = [...(u.tokens ?? []).map((t) => ({ h: sha256Hex(t), f: 'tokens' })), ...(u.tokenSha256 ?? []).map((h) => ({ h, f: 'tokenSha256' }))];
    const idx: Record<string, number> = { tokens: 0, tokenSha256: 0 };
    for (const { h, f } of hashes) {
      const j = idx[f]!++;
      const owner = tokenOwner.get(h);
      if (owner !== undefined && owner !== u.id) at(['users', i, f, j], `token is also given to user "${owner}"`);
      else tokenOwner.set(h, u.id);
    }
    if (u.sip) {
      const owner = sipOwner.get(u.sip.username);
      if (owner !== undefined && owner !== u.id) at(['users', i, 'sip', 'username'], `SIP username is also given to user "${owner}"`);
      else sipOwner.set(u.sip.username, u.id);
    }
  });
  const firstNumber = new Map<string, number>();
  (dir.numbers ?? []).forEach((n, i) => {
    if (firstNumber.has(n.e164)) at(['numbers', i, 'e164'], `duplicate number "${n.e164}" (also numbers[${firstNumber.get(n.e164)}])`);
    else firstNumber.set(n.e164, i);
    n.distribution.forEach((id, j) => {
      if (!firstUser.has(id) && !knownUserIds.has(id)) at(['numbers', i, 'distribution', j], `unknown user "${id}"`);
    });
  });
  return out;
}

export function parseDirectoryFile(text: string, fileName: string, knownUserIds: ReadonlySet<string> = new Set()): DirectoryFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new DirectoryFileError(
      fileName,
      doc.errors.map((e) => ({ path: '', ...(e.linePos ? { line: e.linePos[0].line, column: e.linePos[0].col } : {}), message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') })),
    );
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (!validate(value)) throw new DirectoryFileError(fileName, schemaProblems(doc, lc, validate.errors ?? []));
  const problems = referenceProblems(doc, lc, value, knownUserIds);
  if (problems.length > 0) throw new DirectoryFileError(fileName, problems);
  return value;
}

export type BootstrapMode = 'if-empty' | 'upsert';

/**
 * Imports DIRECTORY_FILE into Redis. `if-empty` (default): only into an empty
 * directory, so what admins changed through the API survives restarts; `upsert`: the
 * file's entries are created or replaced, others kept. The file is validated either way.
 */
export async function bootstrapDirectory(d: {
  store: Store;
  directory: DirectoryService;
  config: Config;
  logger: Logger;
  file?: string;
  mode?: BootstrapMode;
}): Promise<{ imported: boolean; users: number; numbers: number }> {
  const file = d.file ?? d.config.directoryFile;
  if (!file) return { imported: false, users: 0, numbers: 0 };
  const mode = d.mode ?? d.config.directoryBootstrap;
  const text = await readFile(file, 'utf8');
  const known = mode === 'upsert' ? new Set((await d.store.directory.listUsers()).map((u) => u.id)) : new Set<string>();
  const dir = parseDirectoryFile(text, file, known);
  const users = dir.users ?? [];
  const numbers = dir.numbers ?? [];
  if (mode === 'if-empty' && (await d.store.directory.isBootstrapped())) {
    d.logger.info({ file }, 'directory already in Redis: file validated, not imported (DIRECTORY_BOOTSTRAP=upsert to import it)');
    return { imported: false, users: users.length, numbers: numbers.length };
  }
  const data: DirectoryImport = {
    users: users.map((u) => ({ user: d.directory.toStored(u.id, u), status: u.status ?? 'available' })),
    numbers: numbers.map((n) => ({ e164: n.e164, name: n.name, distribution: [...n.distribution], emergency: n.emergency ?? false, supervisable: n.supervisable ?? true })),
  };
  await d.store.directory.importDirectory(data, new Date().toISOString());
  d.logger.info({ file, users: users.length, numbers: numbers.length }, 'directory imported');
  return { imported: true, users: users.length, numbers: numbers.length };
}
