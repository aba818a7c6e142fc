import { Component } from 'preact';
import type { CallView } from '../../contract';
import { DIRECTION_LABEL, agentsOf, customerOf, participantName, supervisorsOf } from '../format/labels';
import { href } from '../state/router';
import { CallStateBadge, ModeBadge } from './Badges';
import { Duration } from './Duration';

/**
 * One live call in the list. Rendered again only when its view object changed (the
 * book replaces a call's object when it is read again), so a burst of events on other
 * calls costs this row nothing; its duration ticks on its own.
 */
export class CallRow extends Component<{ call: CallView }> {
  override shouldComponentUpdate(next: { call: CallView }): boolean {
    return next.call !== this.props.call;
  }

  override render() {
    const c = this.props.call;
    const customer = customerOf(c);
    const agents = agentsOf(c);
    const sups = supervisorsOf(c);
    return (
      <tr data-call-id={c.id}>
        <td data-label="Number">
          <span class="strong">{c.numberName ?? c.number}</span>
          {c.numberName ? <span class="sub">{c.number}</span> : null}
        </td>
        <td data-label="Direction">
          <span aria-hidden="true">{c.direction === 'inbound' ? '↙ ' : c.direction === 'outbound' ? '↗ ' : '↔ '}</span>
          {DIRECTION_LABEL[c.direction]}
        </td>
        <td data-label="Customer">{customer?.address ?? '—'}</td>
        <td data-label="Agents">
          {agents.length
            ? agents.map((a) => (
                <span key={a.id} class="chip">
                  {participantName(a)}
                  {a.held ? <span class="muted"> (on hold)</span> : a.status === 'ringing' ? <span class="muted"> (ringing)</span> : null}
                </span>
              ))
            : '—'}
        </td>
        <td data-label="State">
          <CallStateBadge state={c.state} />
        </td>
        <td data-label="Duration">
          <Duration since={c.startedAt} until={c.endedAt} />
        </td>
        <td data-label="Supervision">
          {sups.length
            ? sups.map((p) => (
                <span key={p.id} class="sup">
                  {participantName(p)} {p.supervision ? <ModeBadge mode={p.supervision.mode} pending={p.supervision.state !== 'active'} /> : null}
                </span>
              ))
            : <span class="muted">None</span>}
          {!c.supervisable && c.reason ? (
            <span class="not-supervisable" title={c.reason.message}>
              <span aria-hidden="true">⊘ </span>Not supervisable<span class="visually-hidden">: {c.reason.message}</span>
            </span>
          ) : null}
        </td>
        <td data-label="">
          <a class="button-link" href={href({ page: 'call', id: c.id })} aria-label={`Details of the call from ${customer?.address ?? 'unknown'} on ${c.numberName ?? c.number}`}>
            Details
          </a>
        </td>
      </tr>
    );
  }
}
