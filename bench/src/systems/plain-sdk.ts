import type { System } from "../contender.ts";
import { completeText, openaiClient, streamText } from "../openai-calls.ts";

/** The floor: the openai SDK called directly, on the primary only. */
export const plainSdk: System = {
  name: "plain openai SDK",
  packages: ["openai"],
  fallback: false,
  breaker: { has: false, how: "no breaker, no fallback" },
  midStream: "whatever the SDK does",
  async create(setup) {
    const client = openaiClient(setup.endpoint);
    return {
      generate: (prompt) => completeText(client, setup.primary, prompt),
      stream: (prompt, onFirstText) => streamText(client, setup.primary, prompt, onFirstText),
    };
  },
};
