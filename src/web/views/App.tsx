import type { AppModel } from '../state/app-model';
import { useObservable } from '../state/observable';
import type { Router } from '../state/router';
import { AgentView } from './AgentView';
import { Announcer } from './Announcer';
import { CallDetailsPage } from './CallDetailsPage';
import { CallsPage } from './CallsPage';
import { ConnectionBanner } from './ConnectionBanner';
import { Header } from './Header';
import { SessionPanel } from './SessionPanel';
import { SignIn } from './SignIn';
import { UsersPage } from './UsersPage';

/** Signed out: the sign-in form. Signed in: the page for the user's role. */
export function App({ model, router }: { model: AppModel; router: Router }) {
  useObservable(model);
  const r = useObservable(router).route;
  const s = model.signedIn;
  if (!s || model.phase === 'signed-out' || model.phase === 'signing-in') {
    return (
      <>
        <SignIn model={model} />
        <Announcer announcer={model.announcer} />
      </>
    );
  }
  const staff = s.isStaff;
  return (
    <>
      <Header model={model} s={s} router={router} />
      <ConnectionBanner s={s} />
      <main id="main" tabIndex={-1}>
        {model.phase === 'loading' ? (
          <p class="muted" aria-busy="true">
            Loading live calls…
          </p>
        ) : staff ? (
          <>
            <SessionPanel s={s} />
            {r.page === 'call' ? <CallDetailsPage s={s} id={r.id} coach={r.coach} /> : r.page === 'users' ? <UsersPage s={s} /> : <CallsPage s={s} />}
          </>
        ) : (
          <AgentView s={s} />
        )}
      </main>
      <Announcer announcer={model.announcer} />
    </>
  );
}
