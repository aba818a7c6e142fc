import { useMemo } from 'preact/hooks';
import type { CallView, ParticipantView } from '../../contract';
import { ROLE_LABEL, numberLabel } from '../format/labels';
import type { SignedIn } from '../state/app-model';
import { useObservable } from '../state/observable';
import { href } from '../state/router';
import { StatusBadge } from './Badges';
import { StatusControl } from './StatusControl';

/**
 * Users with role, status and whether they are on a call; from an agent on a call,
 * Coach opens that call with the coach question asked (the call's page shows why not
 * when the rules refuse). Admins set anyone's status here; everyone sets their own in
 * the header.
 */
export function UsersPage({ s }: { s: SignedIn }) {
  const people = useObservable(s.people);
  const book = useObservable(s.book);
  const onCall = useMemo(() => {
    const m = new Map<string, { call: CallView; leg: ParticipantView }>();
    for (const c of book.list()) for (const p of c.participants) if (p.role === 'agent' && p.status === 'connected' && p.userId) m.set(p.userId, { call: c, leg: p });
    return m;
  }, [book.version]);
  const admin = people.me?.role === 'admin';
  const users = [...people.users].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section aria-labelledby="users-title">
      <div class="section-head">
        <h1 id="users-title">Users</h1>
        <p class="count">{users.length} users</p>
      </div>
      <div class="table-wrap">
        <table class="users">
          <caption class="visually-hidden">Users, their status and calls</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">On a call</th>
              <th scope="col">Numbers</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => {
              const oc = onCall.get(u.id);
              return (
                <tr key={u.id} data-user-id={u.id}>
                  <td data-label="Name">
                    <span class="strong">{u.name}</span>
                    <span class="sub">{u.id}</span>
                  </td>
                  <td data-label="Role">{ROLE_LABEL[u.role]}</td>
                  <td data-label="Status">
                    {admin && u.id !== people.me?.id ? <StatusControl s={s} userId={u.id} status={u.status} label={`Status of ${u.name}`} /> : <StatusBadge status={u.status} />}
                  </td>
                  <td data-label="On a call">
                    {oc ? (
                      <a href={href({ page: 'call', id: oc.call.id })}>
                        Yes, on {numberLabel(oc.call)}
                        {oc.leg.held ? ' (on hold)' : ''}
                      </a>
                    ) : (
                      <span class="muted">No</span>
                    )}
                  </td>
                  <td data-label="Numbers">{u.numbers.length ? u.numbers.join(', ') : <span class="muted">None</span>}</td>
                  <td data-label="">
                    {oc ? (
                      <a class="button-link" href={href({ page: 'call', id: oc.call.id, coach: oc.leg.id })} aria-label={`Coach ${u.name}`}>
                        Coach…
                      </a>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
