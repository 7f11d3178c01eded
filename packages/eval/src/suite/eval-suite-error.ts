const marker = Symbol.for("understudy.eval.error");

/**
 * What an eval refuses, as one error type told apart by `code`:
 * `config` (a `defineEval` option that cannot work), `prompt-file` (a JSONL
 * line that is not a prompt), `cost-cap` (the estimate is above `maxCost`),
 * `results-file` (the results file named is some other file).
 * Recognise it with {@link isEvalSuiteError}, which works across copies of the package.
 */
export class EvalSuiteError extends Error {
  /** `EvalSuiteError`. */
  override readonly name = "EvalSuiteError";
  /** What was refused. */
  readonly code: "config" | "prompt-file" | "cost-cap" | "results-file";
  /** The option, or the JSONL line's field, at fault (`prompts[2].id`, `checks[0].pattern`). */
  readonly field: string | undefined;
  /** With `prompt-file` (and `results-file`): the line, counting from 1. */
  readonly line: number | undefined;

  /**
   * @param code - what was refused
   * @param message - what is wrong and how to fix it
   * @param where - the field and line at fault
   */
  constructor(code: EvalSuiteError["code"], message: string, where: { readonly field?: string; readonly line?: number } = {}) {
    super(message);
    this.code = code;
    this.field = where.field;
    this.line = where.line;
    Object.defineProperty(this, marker, { value: true });
  }
}

/** Whether `value` is an {@link EvalSuiteError}, from this copy of the package or another. */
export function isEvalSuiteError(value: unknown): value is EvalSuiteError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[marker] === true;
}
