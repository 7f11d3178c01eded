// Eval of each fallback path: every prompt on each model of the chain on its own, offline on the fault server.
import { estimateCost, formatEstimate, formatRun, runEval } from "@understudy/eval";

// The config `understudy eval examples/eval/eval.config.ts` runs: a chain of Claude, GPT and Gemini on
// the fault server, where GPT breaks the JSON schema, and Gemini skips the tool call and refuses a question.
const { default: suite } = await import("./eval/eval.config.ts");

try {
  console.log(formatEstimate(estimateCost(suite)));
  const run = await runEval(suite, { onProgress: ({ done, total }) => done === total && console.log(`${done} answers checked`) });
  console.log(formatRun(run));
  for (const model of run.models.slice(1)) {
    const refusals = model.refusals > 0 ? `, ${model.refusals} refusal${model.refusals > 1 ? "s" : ""}` : "";
    console.log(`${model.model} passes ${model.passed} of ${run.prompts} prompts${refusals}`);
  }
} finally {
  await suite.chain.close();
}
