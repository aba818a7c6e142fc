/**
 * The API token, kept for this browser tab only: sessionStorage is per tab and goes
 * when the tab closes; nothing is written to localStorage or cookies.
 */
const KEY = 'coachline.token';

export const tokenStorage = {
  get(): string | undefined {
    try {
      return sessionStorage.getItem(KEY) ?? undefined;
    } catch {
      return undefined;
    }
  },
  set(token: string): void {
    sessionStorage.setItem(KEY, token);
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
};
