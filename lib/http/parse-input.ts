import type { z } from 'zod';
import { AppError } from '../errors';

/** What a request's input is made of, as its sentences name it: a JSON body's fields or a URL's query parameters. */
export type InputPart = 'field' | 'query parameter';

/** zod at the boundary: a failure is INVALID_INPUT with a sentence naming the field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, part: InputPart = 'field'): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError('INVALID_INPUT', inputProblem(result.error.issues, part));
}

/**
 * The sentence for the first problem. A field the request does not take comes first: a misspelt name
 * (`usrname`) is the cause, and the "username is required" it also leads to would only hide it.
 */
export function inputProblem(issues: z.ZodError['issues'], part: InputPart = 'field'): string {
  const issue = issues.find((candidate) => candidate.code === 'unrecognized_keys') ?? issues[0];
  if (!issue) return 'Invalid input.';
  const where = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((key) => JSON.stringify(key)).join(', ');
    const unknown = issue.keys.length === 1 ? `${names} is not a ${part}` : `${names} are not ${part}s`;
    return `${unknown} ${where ? `of ${where}` : 'this request takes'}.`;
  }
  return where ? `${where}: ${issue.message}` : issue.message;
}
