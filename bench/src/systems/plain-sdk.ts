import type { Contender, ModelEndpoint, System } from "../contender.ts";
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

/** The name of {@link cancellableSdk} in tables. */
export const cancellableSdkName = "plain openai SDK + AbortSignal";

/**
 * A floor, not a system: the plain SDK given a fresh abort signal on every
 * call, as every cancellable call is. The openai SDK composes it with its own
 * (`AbortSignal.any`) on each request, a cost every system that can cancel pays.
 */
export function cancellableSdk(endpoint: ModelEndpoint): Contender {
  const client = openaiClient(endpoint);
  return {
    generate: (prompt) => completeText(client, "primary", prompt, new AbortController().signal),
    stream: () => Promise.reject(new Error("The cancellable SDK floor is only timed on non-streamed calls.")),
  };
}
