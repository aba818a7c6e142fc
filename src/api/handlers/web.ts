import { CoachlineError } from '../../domain';
import type { Handler, RouteSchema } from '../route';
import { PAGE_CSP } from '../security-headers';
import type { WebFile } from '../web-assets';

export class WebPageError extends CoachlineError {
  constructor() {
    super('web_not_built', 'the web page is not built: run npm run build');
    this.name = 'WebPageError';
  }
}

/**
 * One file of the page. `no-cache` with an ETag: the browser asks every time (so a new
 * build is picked up at once, the file names being fixed) and gets 304 when unchanged.
 * The page itself refers to its files and to the API by relative URLs, so it works
 * from any path a reverse proxy mounts it on.
 */
export function webFile(name: WebFile): Handler<RouteSchema, 'public'> {
  return async ({ deps, request, reply }) => {
    const asset = deps.web?.get(name);
    if (!asset) throw new WebPageError();
    void reply.header('content-type', asset.contentType).header('etag', asset.etag).header('cache-control', 'no-cache');
    if (name === 'index.html') void reply.header('content-security-policy', PAGE_CSP);
    if (request.headers['if-none-match'] === asset.etag) {
      // 304 has no body and no place in the response schema: answered here directly.
      void reply.code(304).send();
      return 'hijacked';
    }
    return { status: 200, body: asset.body } as never;
  };
}
