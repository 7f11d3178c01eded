import type { ProviderFailure } from "./fault-step.ts";
import {
  arrayOf,
  joinTexts,
  lastUserTextOf,
  recordOf,
  type ScriptedRequest,
  type ScriptedToolChoice,
  stringOf,
  Transcript,
} from "./scripted-request.ts";
import {
  type Answer,
  argumentPieces,
  type FailureContext,
  type HttpReply,
  maskKey,
  type ParsedRequest,
  promptCharsOf,
  retryHeaders,
  type SseEvent,
  sse,
  tokensOf,
  type WireFormat,
} from "./wire-format.ts";

// The OpenAI Chat Completions wire format, as documented:
//   request and response objects:  https://platform.openai.com/docs/api-reference/chat/create
//   streamed chunks and [DONE]:    https://platform.openai.com/docs/api-reference/chat-streaming
//   error codes:                   https://platform.openai.com/docs/guides/error-codes
//   rate-limit headers:            https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers

const finishReasons = { stop: "stop", length: "length", "tool-calls": "tool_calls", "content-filter": "content_filter" } as const;

function finishReasonOf(answer: Answer): string {
  return answer.rawFinishReason ?? finishReasons[answer.finishReason];
}

function errorBody(message: string, type: string, code: string | null, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

/** `6m0s`, `1.5s`, `12ms`: the duration format of OpenAI's `x-ratelimit-reset-*` headers. */
export function openaiDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = (ms - minutes * 60_000) / 1_000;
  return minutes > 0 ? `${minutes}m${Math.round(seconds)}s` : `${Number(seconds.toFixed(3))}s`;
}

function failureReply(failure: ProviderFailure, context: FailureContext): { status: number; body: string } {
  const { model } = context;
  switch (failure) {
    case "rate_limit":
      return {
        status: 429,
        body: errorBody(
          `Rate limit reached for ${model} in organization org-fault on requests per min (RPM): Limit 3, Used 3, Requested 1.`,
          "requests",
          "rate_limit_exceeded",
        ),
      };
    case "quota":
    case "billing":
      return {
        status: 429,
        body: errorBody(
          "You exceeded your current quota, please check your plan and billing details.",
          "insufficient_quota",
          "insufficient_quota",
        ),
      };
    case "overloaded":
      return {
        status: 503,
        body: errorBody("The engine is currently overloaded, please try again later.", "server_error", null),
      };
    case "server":
      return {
        status: 500,
        body: errorBody("The server had an error while processing your request. Sorry about that!", "server_error", null),
      };
    case "bad_gateway":
      return { status: 502, body: "<html><head><title>502 Bad Gateway</title></head><body>Bad gateway.</body></html>" };
    case "gateway_timeout":
      return { status: 504, body: "<html><head><title>504 Gateway Time-out</title></head><body>Gateway timeout.</body></html>" };
    case "context_length":
      return {
        status: 400,
        body: errorBody(
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.",
          "invalid_request_error",
          "context_length_exceeded",
          "messages",
        ),
      };
    case "content_policy":
      return {
        status: 400,
        body: errorBody(
          "Invalid prompt: your prompt was flagged as potentially violating our usage policy.",
          "invalid_request_error",
          "invalid_prompt",
        ),
      };
    case "auth":
    case "unauthenticated":
      return {
        status: 401,
        body: errorBody(
          `Incorrect API key provided: ${maskKey(context.apiKey)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          "invalid_request_error",
          "invalid_api_key",
        ),
      };
    case "forbidden":
      return {
        status: 403,
        body: errorBody("You are not allowed to sample from this model", "invalid_request_error", "model_not_allowed"),
      };
    case "not_found":
      return {
        status: 404,
        body: errorBody(
          `The model \`${model}\` does not exist or you do not have access to it.`,
          "invalid_request_error",
          "model_not_found",
        ),
      };
    case "unprocessable":
      return { status: 422, body: errorBody("Unprocessable entity.", "invalid_request_error", null) };
    case "invalid_request":
    case "prefill_rejected":
      return {
        status: 400,
        body: errorBody("Invalid value for 'messages'.", "invalid_request_error", "invalid_value", "messages"),
      };
  }
}

/** The OpenAI Chat Completions format (`/v1/chat/completions`). */
export const openaiWire: WireFormat = {
  provider: "openai",
  requestIdHeader: "x-request-id",

  parse(body: unknown): ParsedRequest | HttpReply {
    const fields = body as Record<string, unknown> | null;
    if (typeof fields !== "object" || fields === null || typeof fields.model !== "string" || !Array.isArray(fields.messages)) {
      return {
        status: 400,
        headers: {},
        body: errorBody("The request must be a JSON object with `model` and `messages`.", "invalid_request_error", null),
      };
    }
    const messages = fields.messages as { role?: unknown }[];
    const options = fields.stream_options as { include_usage?: unknown } | undefined;
    const stream = fields.stream === true;
    return {
      model: fields.model,
      stream,
      includeUsage: options?.include_usage === true,
      promptChars: promptCharsOf(fields.messages, fields.tools),
      endsWithAssistant: messages.at(-1)?.role === "assistant",
      request: scriptedRequestOf(fields, fields.model, stream),
    };
  },

  failure(failure: ProviderFailure, context: FailureContext): HttpReply {
    const { status, body } = failureReply(failure, context);
    const contentType = body.startsWith("<") ? "text/html" : "application/json";
    const headers: Record<string, string> = { "content-type": contentType, ...retryHeaders(context.retry, context.now) };
    if (context.retry?.resetInMs !== undefined) {
      headers["x-ratelimit-reset-requests"] = openaiDuration(context.retry.resetInMs);
      headers["x-ratelimit-reset-tokens"] = openaiDuration(context.retry.resetInMs);
    }
    // Raw headers last: they may contradict the ones above on purpose.
    return { status, headers: { ...headers, ...context.retry?.headers }, body };
  },

  windowHeaders(): Record<string, string> {
    // Sent on every answer: the window, not a delay. A client must not wait on these after a 200 or a 503.
    return {
      "x-ratelimit-limit-requests": "10000",
      "x-ratelimit-remaining-requests": "9999",
      "x-ratelimit-reset-requests": "6m0s",
      "x-ratelimit-reset-tokens": "12ms",
    };
  },

  json(answer: Answer): string {
    return JSON.stringify({
      id: answer.id,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1_000),
      model: answer.model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: answer.toolCalls.length > 0 && answer.text === "" ? null : answer.text,
            refusal: null,
            ...(answer.toolCalls.length > 0
              ? {
                  tool_calls: answer.toolCalls.map((call) => ({
                    id: call.id,
                    type: "function",
                    function: { name: call.name, arguments: call.argsText },
                  })),
                }
              : {}),
          },
          logprobs: null,
          finish_reason: finishReasonOf(answer),
        },
      ],
      usage: usageOf(answer),
    });
  },

  events(answer: Answer, { includeUsage, omitDone }): SseEvent[] {
    const chunk = (delta: unknown, finish: string | null = null) => ({
      id: answer.id,
      object: "chat.completion.chunk",
      created: Math.floor(Date.now() / 1_000),
      model: answer.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
    const events: SseEvent[] = [{ text: sse(chunk({ role: "assistant", content: "", refusal: null })), content: false }];
    for (const token of tokensOf(answer.text)) events.push({ text: sse(chunk({ content: token })), content: true });
    answer.toolCalls.forEach((call, index) => {
      events.push({
        text: sse(
          chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] }),
        ),
        content: true,
      });
      for (const piece of argumentPieces(call.argsText)) {
        events.push({ text: sse(chunk({ tool_calls: [{ index, function: { arguments: piece } }] })), content: true });
      }
    });
    events.push({ text: sse(chunk({}, finishReasonOf(answer))), content: false });
    if (includeUsage) {
      const usageChunk = { ...chunk({}), choices: [], usage: usageOf(answer) };
      events.push({ text: sse(usageChunk), content: false });
    }
    if (!omitDone) events.push({ text: sse("[DONE]"), content: false });
    return events;
  },

  streamFailure(failure: ProviderFailure, context: FailureContext): SseEvent {
    // An error after the 200: the stream carries `{ "error": {...} }` as a data event.
    const { body } = failureReply(failure, context);
    const error = body.startsWith("{")
      ? JSON.parse(body)
      : { error: { message: body, type: "server_error", param: null, code: null } };
    return { text: sse(error), content: false };
  },

  malformed(answer: Answer): SseEvent {
    return {
      text: `data: {"id":"${answer.id}","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"tru\n\n`,
      content: false,
    };
  },
};

/**
 * The neutral view of a Chat Completions body: `system` and `developer`
 * messages are the system prompt; `user`, `assistant` (its text and refusal),
 * `tool` and legacy `function` messages the conversation, their content a
 * string or `text` (and `refusal`) parts; `tools` (functions and custom
 * tools) and the legacy `functions`; `tool_choice` (or the legacy
 * `function_call`); `response_format` of type `json_schema` or `json_object`.
 */
function scriptedRequestOf(fields: Record<string, unknown>, model: string, stream: boolean): ScriptedRequest {
  const system: string[] = [];
  const transcript = new Transcript();
  for (const item of arrayOf(fields.messages)) {
    const message = recordOf(item);
    const role = message?.role;
    if (role === "system" || role === "developer") system.push(contentText(message?.content));
    else if (role === "user") {
      transcript.userText(contentText(message?.content));
      transcript.endUserTurn();
    } else if (role === "assistant") {
      const refusal = stringOf(message?.refusal);
      transcript.assistant(joinTexts([contentText(message?.content) || undefined, refusal]));
    } else if (role === "tool" || role === "function") {
      transcript.toolResult(contentText(message?.content));
      transcript.endUserTurn();
    }
  }
  const format = recordOf(fields.response_format);
  const wantsJson = format?.type === "json_schema" || format?.type === "json_object";
  return {
    provider: "openai",
    model,
    system: system.length > 0 ? system.join("\n") : undefined,
    messages: transcript.messages,
    lastUserText: lastUserTextOf(transcript.messages),
    tools: [...arrayOf(fields.tools), ...arrayOf(fields.functions)].flatMap((item) => {
      const tool = recordOf(item);
      const name = stringOf(recordOf(tool?.function)?.name ?? recordOf(tool?.custom)?.name ?? tool?.name);
      return name === undefined ? [] : [name];
    }),
    toolChoice: toolChoiceOf(fields.tool_choice ?? fields.function_call),
    wantsJson,
    jsonSchema: format?.type === "json_schema" ? recordOf(format.json_schema)?.schema : undefined,
    stream,
    body: fields,
  };
}

/** A message's content as text: a string, or its `text` and `refusal` parts joined. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  return joinTexts(
    arrayOf(content).map((item) => {
      const part = recordOf(item);
      return part?.type === "refusal" ? stringOf(part.refusal) : stringOf(part?.text);
    }),
  );
}

/** `"auto"`, `"none"`, `"required"`; `{ type: "function", function: { name } }`, custom or legacy; `allowed_tools` by its mode. */
function toolChoiceOf(value: unknown): ScriptedToolChoice | undefined {
  if (value === "auto" || value === "none" || value === "required") return value;
  const choice = recordOf(value);
  if (!choice) return undefined;
  if (choice.type === "allowed_tools") {
    const mode = recordOf(choice.allowed_tools)?.mode;
    return mode === "auto" || mode === "required" ? mode : undefined;
  }
  const name = stringOf(recordOf(choice.function)?.name ?? recordOf(choice.custom)?.name ?? choice.name);
  return name === undefined ? undefined : { name };
}

function usageOf(answer: Answer) {
  return { ...computedUsage(answer), ...answer.rawUsage };
}

function computedUsage(answer: Answer) {
  const { input, cached, output, reasoning } = answer.usage;
  return {
    prompt_tokens: input + cached,
    completion_tokens: output + reasoning,
    total_tokens: input + cached + output + reasoning,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}
