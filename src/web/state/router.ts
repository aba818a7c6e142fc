import { Observable } from './observable';

export type Route =
  | { page: 'calls' }
  | { page: 'call'; id: string; coach?: string }
  | { page: 'users' };

/**
 * Where the page is, in the URL's fragment (#/calls, #/calls/<id>, #/users): the
 * server only ever serves one document, so this works under any proxy path, and
 * the browser's back button and bookmarks work too.
 */
export class Router extends Observable {
  route: Route = parse(location.hash);

  constructor() {
    super();
    addEventListener('hashchange', () => {
      this.route = parse(location.hash);
      this.changed();
    });
  }

  go(r: Route): void {
    location.hash = href(r).slice(1);
  }
}

export function href(r: Route): string {
  switch (r.page) {
    case 'calls':
      return '#/calls';
    case 'users':
      return '#/users';
    case 'call':
      return `#/calls/${encodeURIComponent(r.id)}${r.coach ? `?coach=${encodeURIComponent(r.coach)}` : ''}`;
  }
}

function parse(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'users') return { page: 'users' };
  if (parts[0] === 'calls' && parts[1]) {
    const coach = new URLSearchParams(query).get('coach');
    return { page: 'call', id: decodeURIComponent(parts[1]), ...(coach ? { coach } : {}) };
  }
  return { page: 'calls' };
}
