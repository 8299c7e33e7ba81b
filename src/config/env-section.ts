import { z } from 'zod';

/**
 * A slice of the environment: the keys it reads (validated by zod) and the typed settings it
 * produces. Sections are parsed independently so one bad key is reported with every other one.
 */
export interface EnvSection<T> {
  schema: z.ZodType<T>;
}

export function envSection<S extends z.ZodRawShape, T>(
  shape: S,
  build: (env: z.infer<z.ZodObject<S>>) => T,
): EnvSection<T> {
  return { schema: z.object(shape).transform(build) as unknown as z.ZodType<T> };
}

/** Booleans in the environment are words, not JSON: accept the usual spellings. */
export const envBool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

export const envInt = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** An unset variable and an empty one (`KEY=` in .env) both mean "not configured". */
export const envOptional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
