import type { MeView, NumberView, UserView } from '../../contract';
import type { UserStatus } from '../contract-types';
import { Observable } from './observable';

/** Who is signed in (GET /v1/me), and for supervisors and admins the users and numbers. */
export class People extends Observable {
  me: MeView['user'] | undefined;
  users: UserView[] = [];
  numbers: NumberView[] = [];
  private byId = new Map<string, UserView>();

  setMe(me: MeView['user']): void {
    this.me = me;
    this.changed();
  }

  setDirectory(users: UserView[], numbers: NumberView[]): void {
    this.users = users;
    this.numbers = numbers;
    this.byId = new Map(users.map((u) => [u.id, u]));
    this.changed();
  }

  user(id: string): UserView | undefined {
    return this.byId.get(id);
  }

  /** A status change from the stream or from our own PUT. */
  setStatus(userId: string, status: UserStatus): void {
    const u = this.byId.get(userId);
    if (u) {
      const next = { ...u, status };
      this.byId.set(userId, next);
      this.users = this.users.map((x) => (x.id === userId ? next : x));
    }
    if (this.me?.id === userId) this.me = { ...this.me, status };
    this.changed();
  }

  clear(): void {
    this.me = undefined;
    this.users = [];
    this.numbers = [];
    this.byId.clear();
    this.changed();
  }
}
