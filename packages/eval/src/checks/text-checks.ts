import type { Check } from "./check.ts";

/** Options of the text checks. */
export interface TextCheckOptions {
  /** Compare case as written. Default false: `Paris` matches `paris`. */
  readonly caseSensitive?: boolean;
  /** The check's name in the results. Default `contains:<text>` / `not-contains:<text>`. */
  readonly name?: string;
}

const fold = (text: string, caseSensitive: boolean | undefined): string => (caseSensitive ? text : text.toLowerCase());

/** Passes when the answer's text contains `text` (case-insensitive unless told). */
export function contains(text: string, options: TextCheckOptions = {}): Check {
  return {
    name: options.name ?? `contains:${text}`,
    run: (answer) =>
      fold(answer.text, options.caseSensitive).includes(fold(text, options.caseSensitive))
        ? { pass: true, reason: `contains ${JSON.stringify(text)}` }
        : { pass: false, reason: `does not contain ${JSON.stringify(text)}` },
  };
}

/** Passes when the answer's text does not contain `text` (case-insensitive unless told). */
export function notContains(text: string, options: TextCheckOptions = {}): Check {
  return {
    name: options.name ?? `not-contains:${text}`,
    run: (answer) =>
      fold(answer.text, options.caseSensitive).includes(fold(text, options.caseSensitive))
        ? { pass: false, reason: `contains ${JSON.stringify(text)}` }
        : { pass: true, reason: `does not contain ${JSON.stringify(text)}` },
  };
}

/** Passes when `pattern` matches the answer's text. A string is compiled with `flags`. */
export function regex(pattern: RegExp | string, options: { readonly flags?: string; readonly name?: string } = {}): Check {
  const expression = typeof pattern === "string" ? new RegExp(pattern, options.flags) : pattern;
  return {
    name: options.name ?? `regex:${expression.source}`,
    run: (answer) => {
      // A global or sticky expression keeps state between calls: test a fresh copy.
      const matched = new RegExp(expression.source, expression.flags).test(answer.text);
      return matched
        ? { pass: true, reason: `matches /${expression.source}/${expression.flags}` }
        : { pass: false, reason: `does not match /${expression.source}/${expression.flags}` };
    },
  };
}

/** A check of your own: `fn` returns a verdict (or a boolean), and may be async. */
export function custom(
  name: string,
  fn: (
    ...args: Parameters<Check["run"]>
  ) => boolean | { pass: boolean; reason: string } | Promise<boolean | { pass: boolean; reason: string }>,
): Check {
  return {
    name,
    run: async (answer, context) => {
      const verdict = await fn(answer, context);
      return typeof verdict === "boolean" ? { pass: verdict, reason: verdict ? "passed" : "failed" } : verdict;
    },
  };
}
