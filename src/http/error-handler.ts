import type { Context } from 'koa';
import type { Logger } from 'winston';
import { describeError } from '../logger.js';
import { AppError, ErrorCode, publicMessages, toAppError } from './errors.js';
import { retryAfterSpread, type RetryAfter } from './retry-after.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
  requestId?: string;
}

const exactRetryAfter = retryAfterSpread(0);

/** Write an AppError as JSON; 5xx bodies carry the code and a fixed text, never the internal message. */
function sendError(ctx: Context, error: AppError, retryAfter: RetryAfter = exactRetryAfter): void {
  ctx.status = error.status;
  ctx.state.errorCode = error.code;
  if (error.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(retryAfter(error.retryAfterSeconds)));
  ctx.body = errorBody(error, ctx.state.requestId as string | undefined);
}

/** The JSON body of an error answer: here and at the door (fast-refusal.ts), so both say the same. */
export function errorBody(error: AppError, requestId: string | undefined): ErrorBody {
  const body: ErrorBody = {
    error: { code: error.code, message: error.expose ? error.message : publicMessages[error.code] },
    requestId,
  };
  // The route's facts first: they can never replace the error or the request id.
  return error.details ? { ...error.details, ...body } : body;
}

/** How the error handler answers a request once the app is done with it: as it stands, or the error it threw. */
export interface ErrorAnswers {
  settled(ctx: Context): void;
  thrown(ctx: Context, thrown: unknown): void;
}

/**
 * The one place errors become responses (koa's lesson): stable codes, JSON
 * always, database trouble as 503 + Retry-After, and a log line only for what
 * is really unexpected (a 500). The request log runs these on its own frame
 * (request-log.ts), so they cost no Koa layer of their own.
 */
export function errorAnswers(logger: Logger, retryAfterSeconds: () => number, retryAfter: RetryAfter = exactRetryAfter): ErrorAnswers {
  const thrown = (ctx: Context, error: unknown) => {
    const answer = toAppError(error, retryAfterSeconds);
    if (answer.status >= 500 && answer.code === ErrorCode.INTERNAL) {
      logger.error('Unhandled error', { event: 'unhandled_error', requestId: ctx.state.requestId, error: describeError(error) });
    }
    sendError(ctx, answer, retryAfter);
  };
  return {
    settled: (ctx) => {
      try {
        answerEmpty(ctx);
      } catch (error) {
        thrown(ctx, error);
      }
    },
    thrown,
  };
}

/** No route answered: 404, or the 405 (501) the router's allowedMethods() set with the Allow header, as our JSON error. */
function answerEmpty(ctx: Context): void {
  if (ctx.body !== undefined && ctx.body !== null) return;
  if (ctx.status === 404) sendError(ctx, new AppError(ErrorCode.NOT_FOUND, 404, `no route for ${ctx.method} ${ctx.path}`));
  else if (ctx.status === 405 || ctx.status === 501) {
    sendError(ctx, new AppError(ErrorCode.METHOD_NOT_ALLOWED, 405, `${ctx.method} is not allowed on ${ctx.path}`));
  }
}
