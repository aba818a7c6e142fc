/**
 * The SIPp kit as a newcomer meets it (issue 15): the README's commands name
 * scenarios that exist, each scenario's header repeats its README commands word for
 * word, the shipped directory loads with the app's own loader and puts every device
 * where a README command listens, and the tokens and ids the README uses are in it.
 */
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { DirectoryService, bootstrapDirectory, parseDirectoryFile } from '../../src/app';
import { createStore } from '../../src/store';
import { testConfig } from '../helpers/config';
import { startRedis } from '../helpers/redis';

const root = resolve(__dirname, '..', '..');
const kit = join(root, 'sipp-scenarios');
const readme = readFileSync(join(kit, 'README.md'), 'utf8');
const directoryPath = join(kit, 'directory.yaml');
const directory = parseDirectoryFile(readFileSync(directoryPath, 'utf8'), directoryPath);

/** Shell lines of the README's ```sh blocks, backslash continuations joined, spaces collapsed. */
function shellLines(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) => b.replace(/\\\n\s*/g, ' ').split('\n')).map((l) => l.trim().replace(/\s+/g, ' ')).filter(Boolean);
}

/** The commands in a scenario's header comment, joined the same way. */
function headerCommands(xml: string): string[] {
  const header = /<!--([\s\S]*?)-->/.exec(xml)?.[1] ?? '';
  return header.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim().replace(/\s+/g, ' ')).filter((l) => l.startsWith('sipp '));
}

const sippCommands = shellLines(readme).filter((l) => l.startsWith('sipp '));
const scenarios = readdirSync(kit).filter((f) => f.endsWith('.xml'));
const arg = (cmd: string, flag: string): string | undefined => {
  const words = cmd.split(' ');
  const i = words.indexOf(flag);
  return i < 0 ? undefined : words[i + 1];
};

t.test('every README command names a scenario whose header repeats it', async (t) => {
  t.ok(sippCommands.length >= 10, `${sippCommands.length} sipp commands in the README`);
  for (const cmd of sippCommands) {
    const sf = arg(cmd, '-sf')!;
    t.ok(scenarios.includes(sf), `${sf} exists`);
    if (!scenarios.includes(sf)) continue;
    t.ok(headerCommands(readFileSync(join(kit, sf), 'utf8')).includes(cmd), `${sf}'s header repeats: ${cmd}`);
    const inf = arg(cmd, '-inf');
    if (inf && !inf.startsWith('bench/')) t.ok(readdirSync(kit).includes(inf), `${inf} exists`);
    t.ok(arg(cmd, '-mi') && arg(cmd, '-mp'), `media address and port given: ${cmd}`);
  }
  for (const sf of scenarios) {
    t.ok(sippCommands.some((c) => arg(c, '-sf') === sf), `the README runs ${sf}`);
    for (const h of headerCommands(readFileSync(join(kit, sf), 'utf8'))) t.ok(sippCommands.includes(h), `${sf}'s header command is in the README: ${h}`);
  }
});

t.test('the shipped directory matches the commands', async (t) => {
  const users = directory.users ?? [];
  const byId = new Map(users.map((u) => [u.id, u]));
  const listens = new Set(sippCommands.filter((c) => !c.includes(' 127.0.0.1:5060')).map((c) => `${arg(c, '-i')}:${arg(c, '-p')}`));
  for (const u of users) {
    if (u.device?.kind !== 'sip_uri') continue;
    const hostPort = /@([^;>]+)/.exec(u.device.uri)?.[1];
    t.ok(hostPort && listens.has(hostPort), `${u.id}'s device ${u.device.uri} is where a README scenario listens`);
  }
  // The stack's trunk (TRUNK_URI sip:127.0.0.2:5060) is where the remote phone listens.
  t.ok(users.some((u) => u.device?.kind === 'remote_number' && u.device.voicemailGuard), 'a remote supervisor with the voicemail guard');
  t.ok(sippCommands.some((c) => c.includes('remote-phone-uas.xml') && c.includes('-i 127.0.0.2 -p 5060')), 'the remote phone takes the trunk address');

  const [, called] = readFileSync(join(kit, 'numbers.csv'), 'utf8').trim().split('\n');
  const number = (directory.numbers ?? []).find((n) => `${n.e164};` === called);
  t.ok(number, `numbers.csv's ${called} is a directory number`);
  const rung = number!.distribution.filter((id) => byId.get(id)?.role === 'agent');
  t.same(rung, ['ana'], 'its calls ring ana alone, so the scenario on her address always gets them');

  const referTo = /-key refer_to sip:([^@]+)@/.exec(sippCommands.join('\n'))?.[1];
  t.equal(byId.get(referTo ?? '')?.role, 'agent', `the Refer-To user ${referTo} is a directory user id`);

  // The consult: a second line From the agent the number rings, to a directory colleague.
  const consultTo = /-key consult_to sip:([^@]+)@/.exec(sippCommands.join('\n'))?.[1];
  t.equal(byId.get(consultTo ?? '')?.role, 'agent', `the consulted user ${consultTo} is a directory user id`);
  t.not(consultTo, 'ana', 'and not the consulting agent herself');
  // coachline knows the consult INVITE's sender by SIP username (From user), trusted by the stack's AGENT_ACL.
  t.equal(byId.get('ana')?.sip?.username, 'ana', "ana's SIP username is the From user of her consult line");
  t.match(readme, /AGENT_ACL=ana@127\.0\.0\.3/, 'the README says which AGENT_ACL trusts it');

  // The conference add is made with the call's agent's token.
  for (const m of readme.matchAll(/export AGENT_TOKEN=(\S+)/g)) {
    const owner = users.find((u) => u.tokens?.includes(m[1]!));
    t.same([owner?.id, owner?.role], ['ana', 'agent'], `${m[1]} is ana's token, the agent of numbers.csv's calls`);
  }
  t.ok(/"userId":"bruno"/.test(readme) && sippCommands.some((c) => c.includes('participant-uas.xml') && c.includes('-i 127.0.0.3 -p 5064')), 'the added colleague is bruno, whose device the participant scenario takes');

  for (const m of readme.matchAll(/export TOKEN=(\S+)/g)) {
    const owner = users.find((u) => u.tokens?.includes(m[1]!));
    t.equal(owner?.role, 'supervisor', `${m[1]} is a supervisor's token in directory.yaml`);
    t.ok(readme.includes(`\`${m[1]}\``), 'and the README lists it');
  }
});

t.test('the shipped directory imports with the app\'s loader', async (t) => {
  const server = await startRedis();
  t.teardown(server.stop);
  const redis = server.client();
  const config = testConfig();
  const store = createStore(redis, config);
  const r = await bootstrapDirectory({ store, directory: new DirectoryService({ store, config }), config, logger: pino({ level: 'silent' }), file: directoryPath });
  t.match(r, { imported: true, users: (directory.users ?? []).length, numbers: (directory.numbers ?? []).length });
});

t.test('load output stays out of git', async (t) => {
  t.match(readFileSync(join(root, '.gitignore'), 'utf8'), /^sipp-scenarios\/bench\/$/m);
});
