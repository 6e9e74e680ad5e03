/**
 * What an observer reads of a request: a Koa context, or the door's own
 * record of a refusal it answered before Koa (fast-refusal.ts).
 */
export interface ObservedRequest {
  readonly method: string;
  readonly status: number;
  /** The route template @koa/router matched (request-log.ts routeOf). */
  readonly _matchedRoute?: unknown;
  set(field: string, value: string): void;
}

/**
 * Something that watches every request begin and end (the HTTP metrics, the
 * drain header). The request log's one middleware calls each of them, so
 * watching a request costs a function call, not another Koa layer (each
 * layer is a promise and a dispatch per request).
 */
export interface RequestObserver {
  started?(request: ObservedRequest): void;
  /** After the response is decided, before it is written: headers may still be set. */
  finished(request: ObservedRequest, seconds: number): void;
}
