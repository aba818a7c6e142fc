import { useEffect } from 'preact/hooks';
import type { CallView, ParticipantView } from '../../contract';
import { DIRECTION_LABEL, MODE_DOING, ORIGIN_NOTE, callTitle, numberLabel, participantName } from '../format/labels';
import { formatClock } from '../format/time';
import type { SignedIn } from '../state/app-model';
import { useObservable } from '../state/observable';
import { href } from '../state/router';
import { CallStateBadge, ModeBadge } from './Badges';
import { Duration } from './Duration';
import { ParticipantActions } from './ParticipantActions';
import { Timeline } from './Timeline';

const LEG_STATUS = { ringing: 'Ringing', connected: 'Connected', left: 'Left' } as const;
const SESSION_STATE = { requested: 'calling their phone', dialing: 'calling their phone', ringing: 'their phone rings', confirming: 'pressing 1', active: 'connected', ended: 'left', failed: 'failed' } as const;

/**
 * A call's interaction page: its facts, the Internal list (agents, and the supervisors
 * on the call marked with their mode) and the External list (the customer), each with
 * the actions the API allows this user, and the timeline, all live.
 */
export function CallDetailsPage({ s, id, coach }: { s: SignedIn; id: string; coach: string | undefined }) {
  const d = useObservable(s.detail);
  const people = useObservable(s.people);
  useEffect(() => {
    void s.detail.open(id);
  }, [id]);
  useEffect(() => () => s.detail.close(), []);

  const back = (
    <p>
      <a href={href({ page: 'calls' })}>← All calls</a>
    </p>
  );
  if (d.error) {
    return (
      <section aria-labelledby="call-title">
        {back}
        <h1 id="call-title">Call not available</h1>
        <p class="error" role="alert">
          {d.error.code === 'call_not_found' ? 'This call is not live any more, or you may not see it.' : d.error.message}
        </p>
      </section>
    );
  }
  const c = d.call;
  if (!c || d.callId !== id) {
    return (
      <section aria-busy="true">
        {back}
        <p class="muted">Loading the call…</p>
      </section>
    );
  }
  const nameOf = (uid: string): string => people.user(uid)?.name ?? participantLabel(c, uid);
  const internal = c.participants.filter((p) => p.kind === 'internal');
  const external = c.participants.filter((p) => p.kind === 'external');
  return (
    <article aria-labelledby="call-title" data-testid="call-details" data-call-state={c.state}>
      {back}
      <div class="section-head">
        <h1 id="call-title">
          {callTitle(c)} {c.number ? <span class="muted">on {numberLabel(c)}</span> : null}
        </h1>
        <CallStateBadge state={d.ended ? 'ended' : c.state} />
      </div>
      <dl class="facts">
        <div>
          <dt>Direction</dt>
          <dd>{DIRECTION_LABEL[c.direction]}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{formatClock(c.startedAt)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>
            <Duration since={c.startedAt} until={c.endedAt} />
          </dd>
        </div>
        {c.transfer ? (
          <div>
            <dt>Transfer</dt>
            <dd>
              {c.transfer.kind} transfer, {c.transfer.phase}
            </dd>
          </div>
        ) : null}
      </dl>
      {d.ended ? (
        <p class="notice" role="status">
          <span aria-hidden="true">■ </span>This call has ended.
        </p>
      ) : null}
      {!d.ended && !c.supervisable && c.reason && s.isStaff ? (
        <p class="notice" data-testid="call-refusal">
          <span aria-hidden="true">⊘ </span>
          <strong>You cannot supervise this call:</strong> {c.reason.message}
        </p>
      ) : null}
      <div class="columns">
        <section class="card" aria-labelledby="internal-title">
          <h2 id="internal-title">Internal</h2>
          <ParticipantList s={s} c={c} list={internal} coach={coach} ended={d.ended} />
        </section>
        <section class="card" aria-labelledby="external-title">
          <h2 id="external-title">External</h2>
          <ParticipantList s={s} c={c} list={external} coach={coach} ended={d.ended} />
        </section>
      </div>
      <section class="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <Timeline events={d.timeline} nameOf={nameOf} />
      </section>
    </article>
  );
}

function participantLabel(c: CallView, id: string): string {
  const p = c.participants.find((x) => x.id === id || x.userId === id);
  return p ? participantName(p) : id;
}

function ParticipantList({ s, c, list, coach, ended }: { s: SignedIn; c: CallView; list: ParticipantView[]; coach: string | undefined; ended: boolean }) {
  if (list.length === 0) return <p class="muted">Nobody.</p>;
  return (
    <ul class="participants">
      {list.map((p) => (
        <li key={p.id} class={`participant status-${p.status}`} data-participant={p.id} data-role={p.role}>
          <div class="who">
            <span class="strong">{participantName(p)}</span>
            <span class="muted">
              {p.role === 'customer' ? 'Customer' : p.role === 'agent' ? 'Agent' : 'Supervisor'}
              {p.role !== 'supervisor' && p.name ? ` · ${p.address}` : ''}
              {p.origin && ORIGIN_NOTE[p.origin] ? ` · ${ORIGIN_NOTE[p.origin]}` : ''}
            </span>
            <span class="leg">
              {p.supervision ? (
                <>
                  <ModeBadge mode={p.supervision.mode} pending={p.supervision.state !== 'active'} />{' '}
                  <span class="muted">
                    {MODE_DOING[p.supervision.mode]} {participantLabel(c, p.supervision.target)} · {SESSION_STATE[p.supervision.state]}
                  </span>
                  {p.supervision.state === 'active' && p.supervision.mode !== 'monitor' && !p.supervision.heardByTarget ? (
                    <span class="note" data-testid="not-heard">
                      {' '}· not heard: the agent’s phone is on hold
                    </span>
                  ) : null}
                </>
              ) : (
                <span class={`leg-${p.status}`}>
                  {LEG_STATUS[p.status]}
                  {p.held ? ' · on hold' : ''}
                </span>
              )}
            </span>
          </div>
          {ended || p.role === 'supervisor' ? null : (
            <ParticipantActions s={s} callId={c.id} p={p} yourSession={c.yourSession} coachFirst={coach === p.id && (p.actions?.some((a) => a.mode === 'coach' && a.allowed) ?? false)} />
          )}
        </li>
      ))}
    </ul>
  );
}
