/**
 * The names and values this package takes from the OpenTelemetry semantic
 * conventions, in one place.
 *
 * Followed: **OpenTelemetry Semantic Conventions v1.41.1**, GenAI conventions
 * (status: Development) — `docs/gen-ai/gen-ai-spans.md` (the inference span),
 * `gen-ai-metrics.md` (client metrics, with their advised bucket boundaries),
 * the input, output and system-instruction JSON schemas, and
 * `docs/registry/attributes/gen-ai.md`; `error.type` and `server.*` from the
 * stable registry. Every name below was checked against those documents.
 *
 * v1.41.1 is the last release of the main repository that carries the GenAI
 * conventions: they have since moved to the `semantic-conventions-genai`
 * repository, whose first releases rename the inference span and its metrics
 * (`gen_ai.client.inference.*`) and `gen_ai.usage.cache_creation.input_tokens`
 * (to `cache_write`). The names are copied here rather than imported from
 * `@opentelemetry/semantic-conventions`, whose GenAI constants are deprecated
 * for that move; following a later release means changing this file.
 *
 * @module
 */

/** The release of the semantic conventions this package follows. */
export const semconvVersion = "1.41.1";

/** Attribute names of the GenAI inference span and metrics. */
export const genAiAttr = {
  operationName: "gen_ai.operation.name",
  providerName: "gen_ai.provider.name",
  requestModel: "gen_ai.request.model",
  requestMaxTokens: "gen_ai.request.max_tokens",
  requestTemperature: "gen_ai.request.temperature",
  requestTopP: "gen_ai.request.top_p",
  requestStopSequences: "gen_ai.request.stop_sequences",
  requestStream: "gen_ai.request.stream",
  outputType: "gen_ai.output.type",
  responseModel: "gen_ai.response.model",
  responseId: "gen_ai.response.id",
  responseFinishReasons: "gen_ai.response.finish_reasons",
  responseTimeToFirstChunk: "gen_ai.response.time_to_first_chunk",
  usageInputTokens: "gen_ai.usage.input_tokens",
  usageOutputTokens: "gen_ai.usage.output_tokens",
  usageCacheReadInputTokens: "gen_ai.usage.cache_read.input_tokens",
  usageCacheCreationInputTokens: "gen_ai.usage.cache_creation.input_tokens",
  usageReasoningOutputTokens: "gen_ai.usage.reasoning.output_tokens",
  tokenType: "gen_ai.token.type",
  inputMessages: "gen_ai.input.messages",
  outputMessages: "gen_ai.output.messages",
  systemInstructions: "gen_ai.system_instructions",
} as const;

/** Attributes of the general registry that the GenAI conventions use. */
export const generalAttr = {
  errorType: "error.type",
  serverAddress: "server.address",
  serverPort: "server.port",
} as const;

/** `gen_ai.operation.name` of a chat completion: every understudy call is one. */
export const chatOperation = "chat";

/** `gen_ai.token.type` values. */
export const tokenType = { input: "input", output: "output" } as const;

/** The GenAI client metrics: name, instrument type (all histograms), unit, description and advised buckets. */
export const genAiMetric = {
  tokenUsage: {
    name: "gen_ai.client.token.usage",
    unit: "{token}",
    description: "Number of input and output tokens used.",
    buckets: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
  },
  operationDuration: {
    name: "gen_ai.client.operation.duration",
    unit: "s",
    description: "GenAI operation duration.",
    buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
  },
  timeToFirstChunk: {
    name: "gen_ai.client.operation.time_to_first_chunk",
    unit: "s",
    description:
      "Time to receive the first chunk, measured from when the client issues the generation request to when the first chunk is received in the response stream.",
    buckets: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
  },
} as const;
