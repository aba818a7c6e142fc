/**
 * Every failure the page meets talking to the API, with a stable code: the API's own
 * (`{"error":{"code","message"}}`), or `network` when coachline could not be reached
 * and `bad_response` when it answered something that is not the API's JSON.
 */
export class ApiClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiClientError';
  }

  get unauthorized(): boolean {
    return this.status === 401;
  }
}
