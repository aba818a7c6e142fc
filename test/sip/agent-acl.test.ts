/**
 * Issue 15, defect 9: AGENT_ACL used to trust a From username alone — anyone able to
 * send from an allowed address and knowing an agent's SIP username placed outbound
 * (and emergency) calls with no password. Entries are now bound to the users allowed
 * from them (`ana@10.0.0.5`); `*@block` keeps the old trust only when written so; a
 * bare address exempts nobody, and every user with credentials is challenged.
 */
import t, { type Test } from 'tap';
import { InvalidAclEntryError } from '../../src/sip/acl';
import { AgentAcl } from '../../src/sip/agent-acl';
import { testConfig } from '../helpers/config';
import { startRedis } from '../helpers/redis';
import { agentInvite, answerChallenge, sipWorld, type SipWorld } from '../helpers/sip-doubles';

const DIRECTORY = `users:
  - { id: agent-ana, name: Ana, role: agent, device: { kind: registered }, sip: { username: ana, password: "ana-right-password" } }
  - { id: agent-bob, name: Bob, role: agent, device: { kind: registered }, sip: { username: bob, password: "bob-right-password" } }
`;

t.test('entries and what they trust', async (t) => {
  const acl = new AgentAcl(['ana@192.0.2.50', 'ana@2001:db8::/64', 'bob@10.1.0.0/16', '*@203.0.113.0/24', '198.51.100.0/24']);
  t.equal(acl.trust('192.0.2.50', 'ana'), 'bound', 'a user from the address bound to them');
  t.equal(acl.trust('::ffff:192.0.2.50', 'ana'), 'bound', 'also IPv4-mapped');
  t.equal(acl.trust('2001:db8::7', 'ana'), 'bound', 'an IPv6 block');
  t.equal(acl.trust('192.0.2.50', 'bob'), undefined, 'another user from that address is not trusted');
  t.equal(acl.trust('192.0.2.51', 'ana'), undefined, 'nor the user from elsewhere');
  t.equal(acl.trust('10.1.200.3', 'bob'), 'bound');
  t.equal(acl.trust('203.0.113.9', 'whoever'), 'any', '*@ trusts any From, as written');
  t.equal(acl.trust('198.51.100.7', 'ana'), undefined, 'a bare address trusts nobody');
  t.same(acl.bare, ['198.51.100.0/24'], 'and is kept to be reported');
  t.equal(new AgentAcl([]).trust('127.0.0.1', 'ana'), undefined, 'empty: nobody');
  for (const bad of ['ana@10.0.0.0/33', 'ana@example.com', '@10.0.0.1', 'an a@10.0.0.1', 'ana@', 'ana@bob@10.0.0.1', `${'x'.repeat(65)}@10.0.0.1`]) {
    t.throws(() => new AgentAcl([bad]), InvalidAclEntryError, `refused at start: "${bad}"`);
  }
});

async function world(t: Test, agentAcl: string[]): Promise<SipWorld> {
  const server = await startRedis();
  t.teardown(server.stop);
  return sipWorld(server.client(), testConfig(), { directoryYaml: DIRECTORY, agentAcl });
}

t.test('a bare AGENT_ACL address no longer lets the From name an agent', async (t) => {
  const w = await world(t, ['198.51.100.0/24']);
  const res = await w.send(agentInvite('ana', '198.51.100.7', '+34600000001'));
  t.equal(res.status, 401, 'an agent with credentials is challenged');
  t.match(res.header('WWW-Authenticate'), /^Digest realm=/);
  t.equal(w.media.legs.length, 0, 'nothing was set up towards the trunk');
  const emergency = await w.send(agentInvite('ana', '198.51.100.7', '112'));
  t.equal(emergency.status, 401, 'emergency numbers too');
  t.equal(w.media.legs.length, 0);
  t.match(
    w.logs.find((l) => l.level === 40 && /AGENT_ACL/.test(String(l.msg))),
    { entries: ['198.51.100.0/24'] },
    'a warning at start names the entry that grants nothing',
  );
});

t.test('bound entries, *@ entries and digest', async (t) => {
  const w = await world(t, ['ana@192.0.2.50', '*@203.0.113.0/24']);

  const ana = await w.send(agentInvite('ana', '192.0.2.50'));
  t.not(ana.status, 401, `ana from her bound address calls without a password (${ana.status}: no media in this test)`);
  t.equal(w.media.legs.length, 1, 'her call reached the media set-up');

  const bob = await w.send(agentInvite('bob', '192.0.2.50'));
  t.equal(bob.status, 401, 'bob from ana\'s address is challenged');
  t.equal(w.media.legs.length, 1);
  const auth = answerChallenge(bob.header('WWW-Authenticate')!, 'INVITE', agentInvite('bob', '192.0.2.50').uri, 'bob', 'bob-right-password');
  await w.send(agentInvite('bob', '192.0.2.50', '+34600000001', auth));
  t.equal(w.media.legs.length, 2, 'and calls once he answers it');
  const wrong = answerChallenge(bob.header('WWW-Authenticate')!, 'INVITE', agentInvite('bob', '192.0.2.50').uri, 'bob', 'not-his-password');
  t.equal((await w.send(agentInvite('bob', '192.0.2.50', '+34600000001', wrong))).status, 403, 'a wrong password: 403');
  t.equal(w.media.legs.length, 2);

  t.equal((await w.send(agentInvite('ana', '192.0.2.99'))).status, 401, 'ana from another address is challenged');
  t.equal((await w.send(agentInvite('stranger', '192.0.2.50'))).status, 403, 'a name the directory does not know: 403 at once');
  t.equal((await w.send(agentInvite('stranger', '203.0.113.4'))).status, 403, 'also from a *@ block');

  await w.send(agentInvite('bob', '203.0.113.4'));
  t.equal(w.media.legs.length, 3, '*@ trusts the From, because the operator wrote so');
});
