/** Postgres SQLSTATE codes the services react to. */
export const PgCode = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  invalidTextRepresentation: '22P02',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

interface PgErrorShape {
  code?: string;
  constraint?: string;
  driverError?: { code?: string; constraint?: string };
}

export function pgErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as PgErrorShape;
  return e.code ?? e.driverError?.code;
}

export function pgConstraint(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as PgErrorShape;
  return e.constraint ?? e.driverError?.constraint;
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  return pgErrorCode(err) === PgCode.uniqueViolation && (!constraint || pgConstraint(err) === constraint);
}

/** Socket failures on the way to Postgres (node's codes). */
const unreachable = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

/** What pg's pool and client say when no connection could be had or the one in use broke. */
const lostConnection = /timeout exceeded when trying to connect|Connection terminated|not queryable/i;

/**
 * Postgres could not be reached or dropped the connection: a condition of the moment, for the
 * caller to retry (503), not a fault of the request or of the code. SQLSTATE class 08
 * (connection exception), 57P01–57P03 (server shutting down or starting), 53300 (too many
 * connections), a socket error, or pg's own wording for a pool wait that timed out and a
 * connection that ended.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = pgErrorCode(err);
  if (code && (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code))) return true;
  if (code && unreachable.has(code)) return true;
  const driverError = (err as { driverError?: unknown }).driverError;
  const messages = [err, driverError].map((e) => (e instanceof Error ? e.message : ''));
  return messages.some((m) => lostConnection.test(m));
}
