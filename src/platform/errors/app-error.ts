/**
 * Domain errors carry a stable `code` and the HTTP status they map to. Services throw these;
 * only the error middleware turns them into responses.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
  readonly isOperational = true;
}

export interface FieldProblem {
  field: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(message: string, details: FieldProblem[] = [], code = 'validation_failed') {
    super(code, message, 400, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication required', code = 'unauthorized') {
    super(code, message, 401);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Your role does not allow this', code = 'forbidden') {
    super(code, message, 403);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, code = 'not_found') {
    super(code, `${what} not found`, 404);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict', details?: unknown) {
    super(code, message, 409, details);
  }
}

export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super('rate_limited', message, 429, { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });
  }
}

export class UnavailableError extends AppError {
  constructor(message: string, code = 'service_unavailable') {
    super(code, message, 503);
  }
}
