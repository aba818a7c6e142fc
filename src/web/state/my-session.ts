import type { SessionView } from '../../contract';
import { Observable } from './observable';

/**
 * The signed-in supervisor's supervision session: the live one, or the one that just
 * finished (kept so the page can say how it ended and offer to rejoin).
 */
export class MySession extends Observable {
  session: SessionView | undefined;

  get live(): SessionView | undefined {
    const s = this.session;
    return s && s.state !== 'ended' && s.state !== 'failed' ? s : undefined;
  }

  /** A newer view of the session (or of a new one); returns the previous state, if the same session. */
  set(s: SessionView | undefined): SessionView | undefined {
    const before = this.session && s && this.session.id === s.id ? this.session : undefined;
    this.session = s;
    this.changed();
    return before;
  }

  dismiss(): void {
    if (this.live) return;
    this.session = undefined;
    this.changed();
  }
}
