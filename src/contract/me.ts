import { Static, Type } from '@sinclair/typebox';
import { UserView } from './directory';
import { SessionView } from './supervision';

/** Who the bearer token is: what a page needs right after sign-in. */
export const MeView = Type.Object({
  user: UserView,
  session: Type.Optional(SessionView),
});
export type MeView = Static<typeof MeView>;
