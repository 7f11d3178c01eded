// An eval config as `understudy eval` loads it, for the command's tests: the three-provider chain on a fault server.
import { checks } from "../checks/checks.ts";
import { defineEval } from "../suite/define-eval.ts";
import { threePrompts, threeProviderChain } from "./three-providers.ts";

const { chain } = await threeProviderChain();

export default defineEval({
  name: "cli-e2e",
  chain,
  prompts: threePrompts,
  checks: [checks.agreesWithPrimary({ min: 0.6 })],
  prices: { claude: { inputPerMillion: 3, outputPerMillion: 15 }, gpt: { inputPerMillion: 0.4, outputPerMillion: 1.6 } },
});
