import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';

/** Query parameters shared by every list endpoint. */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

/** A page of results: `nextCursor` is null on the last page. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/**
 * Opaque keyset cursors: the sort-key values of the last row, base64url JSON.
 * Stable under inserts, unlike offsets.
 */
export function encodeCursor(values: readonly (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor<T extends readonly z.ZodType[]>(
  cursor: string | undefined,
  shape: [...T],
): { [K in keyof T]: z.infer<T[K]> } | null {
  if (cursor === undefined) return null;
  try {
    const parsed = z.tuple(shape as unknown as [z.ZodType, ...z.ZodType[]]).parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed as { [K in keyof T]: z.infer<T[K]> };
  } catch {
    throw new AppError('invalid_cursor', 'The cursor is not one this endpoint returned; start again without it.');
  }
}

/** Given `limit + 1` rows, returns the page and the cursor of its last row. */
export function toPage<R, I>(rows: R[], limit: number, present: (row: R) => I, cursorOf: (row: R) => (string | number | null)[]) {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return { items: pageRows.map(present), nextCursor: more && last ? encodeCursor(cursorOf(last)) : null };
}
