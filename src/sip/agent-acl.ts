import { Acl, InvalidAclEntryError } from './acl';

/**
 * AGENT_ACL: which agent phones may place calls without digest auth, and as whom.
 * A call's From user is only a claim; anyone who can send from an allowed address
 * can make it. So an entry names the SIP username allowed from its addresses, the
 * way Asterisk's `identify` binds an address to one endpoint:
 *
 *   ana@10.0.0.5, ana@10.0.1.0/24, bob@10.0.1.0/24   only these users, only from there
 *   *@10.0.2.0/24                                    any directory user the From names
 *                                                    (the old meaning: a closed lab LAN)
 *
 * Everyone else — another user from a bound address, any user from a bare address —
 * is challenged for their password as from anywhere. A bare `10.0.0.0/24` (how
 * entries were written before) therefore grants nothing any more: it used to let the
 * From name any agent, which is the hole this closes; sip-app.ts warns at start.
 */
export type AgentTrust = 'bound' | 'any';

const USER = /^(?:\*|[A-Za-z0-9._~+-]{1,64})$/;

export class AgentAcl {
  private readonly byUser = new Map<string, string[]>();
  private readonly anyUser: string[] = [];
  private readonly bound = new Map<string, Acl>();
  private readonly any: Acl;
  /** Entries without a user: kept only to be reported. */
  readonly bare: string[] = [];

  /** Throws InvalidAclEntryError at start-up for a bad entry, like the trunk ACL. */
  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim();
      const at = entry.lastIndexOf('@');
      const user = at < 0 ? undefined : entry.slice(0, at);
      const addr = at < 0 ? entry : entry.slice(at + 1);
      new Acl([addr]); // validates the address part
      if (user === undefined) this.bare.push(entry);
      else if (!USER.test(user)) throw new InvalidAclEntryError(`"${entry}": "${user}" is not a SIP username or *`);
      else if (user === '*') this.anyUser.push(addr);
      else this.byUser.set(user, [...(this.byUser.get(user) ?? []), addr]);
    }
    for (const [user, addrs] of this.byUser) this.bound.set(user, new Acl(addrs));
    this.any = new Acl(this.anyUser);
  }

  /** How a call from `source` whose From names SIP user `username` may skip digest, if it may. */
  trust(source: string, username: string): AgentTrust | undefined {
    if (this.bound.get(username)?.allows(source)) return 'bound';
    if (this.any.allows(source)) return 'any';
    return undefined;
  }
}
