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
  type ParsedRequest,
  promptCharsOf,
  retryHeaders,
  type SseEvent,
  sse,
  tokensOf,
  type WireFormat,
} from "./wire-format.ts";

// The Anthropic Messages wire format, as documented:
//   request and response objects:   https://docs.anthropic.com/en/api/messages
//   streamed events (event: lines): https://docs.anthropic.com/en/docs/build-with-claude/streaming
//   errors, 529, errors mid-stream: https://docs.anthropic.com/en/api/errors
//   rate-limit headers:             https://docs.anthropic.com/en/api/rate-limits#response-headers

const stopReasons = { stop: "end_turn", length: "max_tokens", "tool-calls": "tool_use", "content-filter": "refusal" } as const;

function stopReasonOf(answer: Answer): string {
  return answer.rawFinishReason ?? stopReasons[answer.finishReason];
}

function errorBody(type: string, message: string): string {
  return JSON.stringify({ type: "error", error: { type, message }, request_id: `req_fault_${Date.now().toString(36)}` });
}

function failureReply(failure: ProviderFailure, model: string): { status: number; body: string } {
  switch (failure) {
    case "rate_limit":
      return { status: 429, body: errorBody("rate_limit_error", "Number of requests has exceeded your per-minute rate limit.") };
    case "quota":
      return {
        status: 400,
        body: errorBody(
          "invalid_request_error",
          "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
        ),
      };
    case "billing":
      return { status: 402, body: errorBody("billing_error", "There is an issue with your account's billing.") };
    case "overloaded":
      return { status: 529, body: errorBody("overloaded_error", "Overloaded") };
    case "server":
      return { status: 500, body: errorBody("api_error", "Internal server error") };
    case "bad_gateway":
      return { status: 502, body: errorBody("api_error", "Bad gateway") };
    case "gateway_timeout":
      return { status: 504, body: errorBody("timeout_error", "Request timed out") };
    case "context_length":
      return { status: 400, body: errorBody("invalid_request_error", "prompt is too long: 210345 tokens > 200000 maximum") };
    case "content_policy":
      return { status: 400, body: errorBody("invalid_request_error", "Output blocked by content filtering policy") };
    case "auth":
    case "unauthenticated":
      return { status: 401, body: errorBody("authentication_error", "invalid x-api-key") };
    case "forbidden":
      return {
        status: 403,
        body: errorBody("permission_error", "Your API key does not have permission to use the specified resource."),
      };
    case "not_found":
      return { status: 404, body: errorBody("not_found_error", `model: ${model}`) };
    case "unprocessable":
      return { status: 422, body: errorBody("invalid_request_error", "Unprocessable entity") };
    case "invalid_request":
      return {
        status: 400,
        body: errorBody("invalid_request_error", 'messages: roles must alternate between "user" and "assistant"'),
      };
    case "prefill_rejected":
      return {
        status: 400,
        body: errorBody(
          "invalid_request_error",
          "This model does not support assistant message prefill. The conversation must end with a user message.",
        ),
      };
  }
}

/** The Anthropic Messages format (`/v1/messages`). */
export const anthropicWire: WireFormat = {
  provider: "anthropic",
  requestIdHeader: "request-id",

  parse(body: unknown): ParsedRequest | HttpReply {
    const fields = body as Record<string, unknown> | null;
    const problem =
      typeof fields !== "object" || fields === null
        ? "the body must be a JSON object"
        : typeof fields.model !== "string"
          ? "model: Field required"
          : !Array.isArray(fields.messages)
            ? "messages: Field required"
            : typeof fields.max_tokens !== "number"
              ? "max_tokens: Field required"
              : undefined;
    if (problem || !fields)
      return {
        status: 400,
        headers: { "content-type": "application/json" },
        body: errorBody("invalid_request_error", problem ?? ""),
      };
    const messages = fields.messages as { role?: unknown }[];
    const stream = fields.stream === true;
    return {
      model: fields.model as string,
      stream,
      includeUsage: true,
      promptChars: promptCharsOf(fields.system, fields.messages, fields.tools),
      endsWithAssistant: messages.at(-1)?.role === "assistant",
      request: scriptedRequestOf(fields, fields.model as string, stream),
    };
  },

  failure(failure: ProviderFailure, context: FailureContext): HttpReply {
    const { status, body } = failureReply(failure, context.model);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-should-retry": String(status === 429 || status >= 500),
      ...retryHeaders(context.retry, context.now),
    };
    if (context.retry?.resetInMs !== undefined) {
      const at = new Date(context.now + context.retry.resetInMs).toISOString();
      headers["anthropic-ratelimit-requests-reset"] = at;
      headers["anthropic-ratelimit-tokens-reset"] = at;
    }
    // Raw headers last: they may contradict the ones above on purpose.
    return { status, headers: { ...headers, ...context.retry?.headers }, body };
  },

  windowHeaders(now: number): Record<string, string> {
    // Sent on every answer: when the window resets, not a retry delay.
    return {
      "anthropic-ratelimit-requests-limit": "4000",
      "anthropic-ratelimit-requests-remaining": "3999",
      "anthropic-ratelimit-requests-reset": new Date(now + 60_000).toISOString(),
    };
  },

  json(answer: Answer): string {
    return JSON.stringify({
      id: answer.id,
      type: "message",
      role: "assistant",
      model: answer.model,
      content: [
        ...(answer.text === "" && answer.toolCalls.length > 0 ? [] : [{ type: "text", text: answer.text }]),
        ...answer.toolCalls.map((call) => ({ type: "tool_use", id: call.id, name: call.name, input: call.args ?? {} })),
      ],
      stop_reason: stopReasonOf(answer),
      stop_sequence: null,
      usage: usageOf(answer),
    });
  },

  events(answer: Answer): SseEvent[] {
    const event = (type: string, data: Record<string, unknown>, content = false): SseEvent => ({
      text: sse({ type, ...data }, type),
      content,
    });
    const events: SseEvent[] = [
      event("message_start", {
        message: {
          id: answer.id,
          type: "message",
          role: "assistant",
          content: [],
          model: answer.model,
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usageOf(answer), output_tokens: 1, ...answer.rawUsage },
        },
      }),
      { text: sse({ type: "ping" }, "ping"), content: false },
    ];
    let index = 0;
    const tokens = tokensOf(answer.text);
    if (tokens.length > 0) {
      events.push(event("content_block_start", { index, content_block: { type: "text", text: "" } }));
      for (const token of tokens)
        events.push(event("content_block_delta", { index, delta: { type: "text_delta", text: token } }, true));
      events.push(event("content_block_stop", { index }));
      index++;
    }
    for (const call of answer.toolCalls) {
      events.push(
        event(
          "content_block_start",
          { index, content_block: { type: "tool_use", id: call.id, name: call.name, input: {} } },
          true,
        ),
      );
      for (const piece of argumentPieces(call.argsText)) {
        events.push(event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: piece } }, true));
      }
      events.push(event("content_block_stop", { index }));
      index++;
    }
    events.push(
      event("message_delta", {
        delta: { stop_reason: stopReasonOf(answer), stop_sequence: null },
        usage: { output_tokens: answer.usage.output + answer.usage.reasoning, ...answer.rawUsage },
      }),
    );
    events.push(event("message_stop", {}));
    return events;
  },

  streamFailure(failure: ProviderFailure, context: FailureContext): SseEvent {
    // An error after the 200 arrives as `event: error` with the same body as an HTTP error.
    return { text: `event: error\ndata: ${failureReply(failure, context.model).body}\n\n`, content: false };
  },

  malformed(): SseEvent {
    return {
      text: 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_de\n\n',
      content: false,
    };
  },
};

/**
 * The neutral view of a Messages body: `system` (a string or text blocks);
 * `messages` whose content is a string or blocks, `text` blocks the text and
 * each `tool_result` block (its content a string or text blocks) a tool
 * message; `tools` by name (server tools included); `tool_choice` (`any` is
 * `required`); JSON asked by `output_config.format` (as the SDK and the
 * adapter send it) or the older top-level `output_format`, of type `json_schema`.
 */
function scriptedRequestOf(fields: Record<string, unknown>, model: string, stream: boolean): ScriptedRequest {
  const transcript = new Transcript();
  for (const item of arrayOf(fields.messages)) {
    const message = recordOf(item);
    const content = message?.content;
    if (message?.role === "assistant") transcript.assistant(blocksText(content));
    else if (message?.role === "user") {
      if (typeof content === "string") transcript.userText(content);
      for (const block of arrayOf(content).map(recordOf)) {
        if (block?.type === "text" && typeof block.text === "string") transcript.userText(block.text);
        else if (block?.type === "tool_result") transcript.toolResult(blocksText(block.content));
      }
      transcript.endUserTurn();
    }
  }
  const format = recordOf(recordOf(fields.output_config)?.format) ?? recordOf(fields.output_format);
  const wantsJson = format?.type === "json_schema";
  const system = typeof fields.system === "string" || Array.isArray(fields.system) ? blocksText(fields.system) : undefined;
  return {
    provider: "anthropic",
    model,
    system,
    messages: transcript.messages,
    lastUserText: lastUserTextOf(transcript.messages),
    tools: arrayOf(fields.tools).flatMap((tool) => {
      const name = stringOf(recordOf(tool)?.name);
      return name === undefined ? [] : [name];
    }),
    toolChoice: toolChoiceOf(recordOf(fields.tool_choice)),
    wantsJson,
    jsonSchema: wantsJson ? format?.schema : undefined,
    stream,
    body: fields,
  };
}

/** A content as text: a string, or its `text` blocks joined. */
function blocksText(content: unknown): string {
  if (typeof content === "string") return content;
  return joinTexts(
    arrayOf(content).map((item) => {
      const block = recordOf(item);
      return block?.type === "text" ? stringOf(block.text) : undefined;
    }),
  );
}

/** `{ type: "auto" | "any" | "none" }`, `{ type: "tool", name }`. */
function toolChoiceOf(choice: Record<string, unknown> | undefined): ScriptedToolChoice | undefined {
  switch (choice?.type) {
    case "auto":
    case "none":
      return choice.type;
    case "any":
      return "required";
    case "tool": {
      const name = stringOf(choice.name);
      return name === undefined ? undefined : { name };
    }
    default:
      return undefined;
  }
}

function usageOf(answer: Answer) {
  return {
    input_tokens: answer.usage.input,
    output_tokens: answer.usage.output + answer.usage.reasoning,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: answer.usage.cached,
    ...answer.rawUsage,
  };
}
