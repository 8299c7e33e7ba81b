import type { z } from 'zod';
import { ValidationError, type FieldProblem } from '../errors/app-error';

export function zodProblems(where: string, error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/** Parses one part of a request; a failure names every bad field. */
export function parsePart<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: 'params' | 'query' | 'body',
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  if (where === 'params') {
    // A malformed id in the path cannot name anything that exists.
    throw new ValidationError(
      'Invalid path parameter',
      zodProblems(where, result.error),
      'invalid_parameter',
    );
  }
  throw new ValidationError(`Invalid request ${where}`, zodProblems(where, result.error));
}
