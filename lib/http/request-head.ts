/**
 * What a route reads of a request: a web `Request` is one, and so is the fast lane's view of a node:http
 * request (lib/http/fast-lane.ts), so the same code answers on both.
 */
export interface RequestHead {
  readonly url: string;
  readonly method: string;
  readonly headers: Pick<Headers, 'get'>;
}
