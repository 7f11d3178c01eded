import { budget } from "../budget.ts";
import type { ChainSetup, System } from "../contender.ts";
import { completeText, openaiClient, streamText } from "../openai-calls.ts";
import { PortkeyGateway } from "./portkey-gateway.ts";

/** The gateway config of a chain: fallback strategy over two OpenAI-compatible targets, retries off. */
function gatewayConfig(setup: ChainSetup) {
  const target = (model: string) => ({
    provider: "openai",
    api_key: budget.apiKey,
    custom_host: setup.endpoint.baseURL,
    override_params: { model },
  });
  return {
    strategy: { mode: "fallback" },
    retry: { attempts: 0 },
    request_timeout: budget.attemptTimeoutMs,
    targets: [target(setup.primary), target(setup.backup)],
  };
}

let gateway: Promise<PortkeyGateway> | undefined;

/** The Portkey gateway as a local process with a fallback config, called through the openai SDK. */
export const portkey: System = {
  name: "Portkey gateway",
  packages: ["@portkey-ai/gateway", "openai"],
  fallback: true,
  breaker: { has: false, how: "no breaker in the open-source gateway (its circuit breaker is a hosted feature)" },
  midStream: "fallback only on the status of the response; a cut after that reaches the caller as the SDK reports it",
  notInProcess: "an HTTP hop by design",
  async create(setup) {
    if (setup.endpoint.fetch) throw new Error("The Portkey gateway calls its targets over HTTP; it has no in-process form.");
    gateway ??= PortkeyGateway.start();
    const client = openaiClient(
      { baseURL: (await gateway).baseURL },
      { headers: { "x-portkey-config": JSON.stringify(gatewayConfig(setup)) } },
    );
    // The gateway's config picks the model; the request's own model field is overridden.
    return {
      generate: (prompt) => completeText(client, setup.primary, prompt),
      stream: (prompt, onFirstText) => streamText(client, setup.primary, prompt, onFirstText),
    };
  },
  async shutdown() {
    const started = gateway;
    gateway = undefined;
    await (await started)?.stop();
  },
};
