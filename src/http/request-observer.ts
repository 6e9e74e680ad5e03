import type { Context } from 'koa';

/**
 * Something that watches every request begin and end (the HTTP metrics, the
 * drain header). The request log's one middleware calls each of them, so
 * watching a request costs a function call, not another Koa layer (each
 * layer is a promise and a dispatch per request).
 */
export interface RequestObserver {
  started?(ctx: Context): void;
  /** After the response is decided, before it is written: headers may still be set. */
  finished(ctx: Context, seconds: number): void;
}
