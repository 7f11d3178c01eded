import { describeValue } from "./duration.ts";

/** What is wrong with an `answerChecks` list: where in it (`[2].check`, or empty for the list), what, and the fix. */
export interface AnswerChecksProblem {
  readonly at: string;
  readonly problem: string;
  readonly fix: string;
}

const fix = "pass checks from `answerChecks` (e.g. `answerChecks.all()`) or `{ name, check(answer, request) }` objects";

/** Why `value` is no list of answer checks, or undefined when it is one (or absent). */
export function answerChecksProblem(value: unknown): AnswerChecksProblem | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return { at: "", problem: `must be an array of checks, got ${describeValue(value)}`, fix };
  for (const [index, check] of value.entries()) {
    const fields = (typeof check === "object" && check !== null ? check : {}) as Record<string, unknown>;
    if (typeof fields.name !== "string" || fields.name === "") {
      return { at: `[${index}].name`, problem: `must be a non-empty string, got ${describeValue(fields.name)}`, fix };
    }
    if (typeof fields.check !== "function") {
      return { at: `[${index}].check`, problem: `must be a function, got ${describeValue(fields.check)}`, fix };
    }
  }
  return undefined;
}
