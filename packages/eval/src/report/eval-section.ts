import type { EvalSection } from "@understudy/request-log";
import type { EvalRun } from "../run/eval-run.ts";

/**
 * The run as the HTML report's eval section (`ReportData.eval` of
 * `@understudy/request-log`): each model's figures and the regressions.
 */
export function toEvalSection(run: EvalRun): EvalSection {
  return {
    name: run.name,
    ranAt: run.finishedAt,
    prompts: run.prompts,
    models: run.models,
    regressions: run.regressions,
  };
}
