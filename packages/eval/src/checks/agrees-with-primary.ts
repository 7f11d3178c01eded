import type { Check } from "./check.ts";
import { answerSimilarity } from "./similarity.ts";

/** Options of {@link agreesWithPrimary}. */
export interface AgreementOptions {
  /** The least similarity, 0 to 1, that passes. Default 0.6. */
  readonly min?: number;
  /** The check's name in the results. Default `agrees-with-primary`. */
  readonly name?: string;
}

/**
 * Passes when a backup's answer is close enough to the primary's answer to
 * the same prompt (see `answerSimilarity`: JSON and tool calls compared by
 * structure, text by SQuAD token F1). It measures words, not meaning: two
 * correct answers worded differently score low, and "yes" and "not yes" score
 * high. Use a judge for meaning. Does not apply to the primary's own answer,
 * nor when the primary did not answer.
 */
export function agreesWithPrimary(options: AgreementOptions = {}): Check {
  const min = options.min ?? 0.6;
  if (!(min >= 0 && min <= 1)) throw new RangeError(`agreesWithPrimary: min must be from 0 to 1; got ${min}`);
  return {
    name: options.name ?? "agrees-with-primary",
    needsPrimary: true,
    run: (answer, { primary, position }) => {
      if (position === 0 || primary === undefined) return undefined;
      const { score, measure } = answerSimilarity(primary, answer);
      const rounded = Math.round(score * 100) / 100;
      return {
        pass: score >= min,
        reason: `${measure} ${rounded} ${score >= min ? "≥" : "<"} ${min}`,
      };
    },
  };
}
