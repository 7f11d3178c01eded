import { agreesWithPrimary } from "./agrees-with-primary.ts";
import { jsonSchema } from "./json-schema.ts";
import { judge } from "./judge.ts";
import { contains, custom, notContains, regex } from "./text-checks.ts";
import { toolCall } from "./tool-call.ts";

/**
 * The checks an eval runs on each answer. Each returns `{ pass, reason }`; a
 * check that throws fails with its message and never stops the run.
 *
 * @example
 * ```ts
 * checks: [checks.jsonSchema(), checks.notContains("as an AI"), checks.agreesWithPrimary({ min: 0.5 })]
 * ```
 */
export const checks = {
  /** {@inheritDoc jsonSchema} */
  jsonSchema,
  /** {@inheritDoc toolCall} */
  toolCall,
  /** {@inheritDoc contains} */
  contains,
  /** {@inheritDoc notContains} */
  notContains,
  /** {@inheritDoc regex} */
  regex,
  /** {@inheritDoc custom} */
  custom,
  /** {@inheritDoc agreesWithPrimary} */
  agreesWithPrimary,
  /** {@inheritDoc judge} */
  judge,
} as const;
