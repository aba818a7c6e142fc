import { Observable } from './observable';

/**
 * What screen readers are told (aria-live regions): session progress, refusals, the
 * stream being lost and back, a coach joining. A counter makes the same sentence twice
 * in a row be read twice.
 */
export class Announcer extends Observable {
  polite = '';
  assertive = '';
  count = 0;

  say(message: string, urgent = false): void {
    this.count += 1;
    if (urgent) this.assertive = message;
    else this.polite = message;
    this.changed();
  }
}
