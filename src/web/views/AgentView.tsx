import { agentsOf, callTitle, numberLabel, participantName, supervisorsOf } from '../format/labels';
import type { SignedIn } from '../state/app-model';
import { useObservable } from '../state/observable';
import { CallStateBadge } from './Badges';
import { Duration } from './Duration';

/**
 * An agent's page: their own call, and "<name> is coaching you" while a coach who
 * joined with notify is on it. The API shows an agent nothing else of supervision (no
 * monitor, no coach without notify), so whatever supervisor appears here is such a coach.
 */
export function AgentView({ s }: { s: SignedIn }) {
  const book = useObservable(s.book);
  const people = useObservable(s.people);
  const me = people.me;
  const calls = book.list();
  return (
    <section aria-labelledby="agent-title" class="agent-view">
      <h1 id="agent-title">Your calls</h1>
      {calls.length === 0 ? (
        <p class="card empty" data-testid="agent-no-call">
          You are not on a call.
        </p>
      ) : (
        calls.map((c) => {
          const coaches = supervisorsOf(c).filter((p) => p.supervision?.mode === 'coach' && p.supervision.state === 'active');
          const mine = agentsOf(c).find((p) => p.userId === me?.id);
          return (
            <article key={c.id} class="card agent-call" aria-label={`Call on ${numberLabel(c)}`} data-call-id={c.id}>
              <div role="status" aria-live="polite" class="notice-slot">
                {coaches.map((p) => (
                  <p key={p.id} class="coach-notice" data-testid="coach-notice">
                    <span aria-hidden="true">✎ </span>
                    <strong>{participantName(p)}</strong> is coaching you
                  </p>
                ))}
              </div>
              <div class="section-head">
                <h2>
                  {callTitle(c)}
                </h2>
                <CallStateBadge state={c.state} />
              </div>
              <dl class="facts">
                <div>
                  <dt>Number</dt>
                  <dd>{numberLabel(c)}</dd>
                </div>
                <div>
                  <dt>Duration</dt>
                  <dd>
                    <Duration since={c.startedAt} until={c.endedAt} />
                  </dd>
                </div>
                <div>
                  <dt>You</dt>
                  <dd>{mine ? (mine.held ? 'On hold' : mine.status === 'connected' ? 'Connected' : 'Ringing') : 'Not on this call'}</dd>
                </div>
              </dl>
            </article>
          );
        })
      )}
    </section>
  );
}
