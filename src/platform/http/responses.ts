import { problemSchema } from '../errors/problem.ts';

/** Problem responses documented on every authenticated endpoint. */
export const problemResponses = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  422: problemSchema,
  429: problemSchema,
} as const;
