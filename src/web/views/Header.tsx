import { ROLE_LABEL } from '../format/labels';
import type { AppModel, SignedIn } from '../state/app-model';
import { useObservable } from '../state/observable';
import { Router, href } from '../state/router';
import { LiveIndicator } from './LiveIndicator';
import { StatusControl } from './StatusControl';

export function Header({ model, s, router }: { model: AppModel; s: SignedIn; router: Router }) {
  const people = useObservable(s.people);
  const r = useObservable(router).route;
  const me = people.me;
  const staff = s.isStaff;
  const onCalls = r.page === 'calls' || r.page === 'call';
  return (
    <header class="topbar">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <div class="brand">
        <img src="./favicon.svg" alt="" width={24} height={24} />
        <span>coachline</span>
      </div>
      {staff ? (
        <nav aria-label="Sections">
          <a href={href({ page: 'calls' })} aria-current={onCalls ? 'page' : undefined}>
            Calls
          </a>
          <a href={href({ page: 'users' })} aria-current={r.page === 'users' ? 'page' : undefined}>
            Users
          </a>
        </nav>
      ) : null}
      <div class="topbar-end">
        <LiveIndicator s={s} />
        {me ? (
          <>
            <StatusControl s={s} userId={me.id} status={me.status} label="Your status" />
            <span class="whoami" data-testid="whoami">
              <span class="whoami-name">{me.name}</span> <span class="role">{ROLE_LABEL[me.role]}</span>
            </span>
          </>
        ) : null}
        <button type="button" class="secondary" onClick={() => model.signOut()}>
          Sign out
        </button>
      </div>
    </header>
  );
}
