/**
 * Type parsing shared by both drivers (and PGlite's worker): dates stay
 * 'YYYY-MM-DD' strings (a calendar date has no time zone), numerics and
 * bigints become numbers.
 */
const DATE_OID = 1082;
const NUMERIC_OID = 1700;
const INT8_OID = 20;

export const pgTypeParsers: Record<number, (value: string) => unknown> = {
  [DATE_OID]: (v: string) => v,
  [NUMERIC_OID]: (v: string) => Number(v),
  [INT8_OID]: (v: string) => Number(v),
};
