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
