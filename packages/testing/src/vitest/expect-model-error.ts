import { isModelError, type ModelError } from "@understudy/core";

/** Resolves with the `ModelError` that `work` rejects with; fails the test if it succeeds or throws anything else. */
export async function expectModelError(work: Promise<unknown>): Promise<ModelError> {
  let outcome: unknown;
  try {
    outcome = await work;
  } catch (error) {
    if (isModelError(error)) return error;
    throw new Error(`expected a ModelError, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected a ModelError, but the call succeeded with ${JSON.stringify(outcome)?.slice(0, 200)}`);
}
