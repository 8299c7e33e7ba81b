import { z } from 'zod';

export const uuid = z.uuid();
export const isoDate = z.string().meta({ format: 'date-time', example: '2026-11-21T09:30:00.000Z' });
export const email = z
  .email()
  .max(320)
  .transform((e) => e.trim().toLowerCase());

export const IdParams = z.object({ id: uuid });

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(500).optional(),
});

export const page = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() }).meta({ id });

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
