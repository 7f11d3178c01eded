import { RequestError } from "../errors/request-error.ts";
import type { ChatMessage, ChatRequest } from "../spec/chat-request.ts";
import { jsonProblem } from "./json-problem.ts";
import { firstUnknownKey, unknownKeyFix } from "./known-keys.ts";

type Fields = Readonly<Record<string, unknown>>;

const toolNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;

const requestKeys = [
  "system",
  "messages",
  "tools",
  "toolChoice",
  "maxTokens",
  "temperature",
  "topP",
  "stopSequences",
  "responseFormat",
  "providerOptions",
];
const partKeys: Readonly<Record<string, readonly string[]>> = {
  text: ["type", "text", "providerMetadata"],
  image: ["type", "url", "data", "mediaType"],
  "tool-call": ["type", "id", "name", "args", "providerMetadata"],
  "tool-result": ["type", "toolCallId", "toolName", "result", "isError"],
};

/**
 * Checks a request no model could accept and throws a {@link RequestError}
 * naming the field, before any call is made.
 */
export function validateRequest(request: ChatRequest): void {
  if (!isObject(request)) throw new RequestError("request", "must be an object", "pass `{ messages: [...] }`");
  rejectUnknownKeys(request, "request", requestKeys);
  if (request.system !== undefined && typeof request.system !== "string") {
    throw new RequestError("request.system", "must be a string", "put the system prompt here as text");
  }
  validateMessages(request.messages);
  const toolNames = validateTools(request.tools);
  validateToolChoice(request.toolChoice, toolNames);
  if (request.maxTokens !== undefined && !(Number.isInteger(request.maxTokens) && request.maxTokens >= 1)) {
    throw new RequestError(
      "request.maxTokens",
      `must be a whole number ≥ 1, got ${String(request.maxTokens)}`,
      "or leave it out",
    );
  }
  inRange(request.temperature, 0, 2, "request.temperature");
  inRange(request.topP, 0, 1, "request.topP");
  if (
    request.stopSequences !== undefined &&
    !(Array.isArray(request.stopSequences) && request.stopSequences.every((s) => typeof s === "string" && s !== ""))
  ) {
    throw new RequestError("request.stopSequences", "must be an array of non-empty strings", 'e.g. `["\\n\\n"]`');
  }
  validateResponseFormat(request.responseFormat);
  if (request.providerOptions !== undefined) {
    if (!isObject(request.providerOptions))
      throw new RequestError("request.providerOptions", "must be an object", "key it by provider name: `{ openai: { … } }`");
    requireJson(request.providerOptions, "request.providerOptions");
  }
}

function validateResponseFormat(format: unknown): void {
  if (format === undefined) return;
  if (!(isObject(format) && (format.type === "text" || format.type === "json"))) {
    throw new RequestError(
      "request.responseFormat",
      'must be `{ type: "text" }` or `{ type: "json", schema? }`',
      "or leave it out",
    );
  }
  rejectUnknownKeys(format, "request.responseFormat", format.type === "text" ? ["type"] : ["type", "schema", "name"]);
  if (format.schema !== undefined) {
    if (!isObject(format.schema))
      throw new RequestError("request.responseFormat.schema", "must be a JSON Schema object", "or leave it out");
    requireJson(format.schema, "request.responseFormat.schema");
  }
  if (format.name !== undefined && typeof format.name !== "string")
    throw new RequestError("request.responseFormat.name", "must be a string", "or leave it out");
}

/** Provider facts as an adapter wrote them: objects keyed by provider name, plain JSON. */
function validateProviderMetadata(metadata: unknown, path: string): void {
  const byProvider = isObject(metadata) && Object.values(metadata).every(isObject);
  if (!byProvider) {
    throw new RequestError(
      path,
      "must be an object of objects keyed by provider name",
      "pass back what the answer carried, unchanged",
    );
  }
  requireJson(metadata, path);
}

/** Refuses a value the SDK could not serialise: the caller's bug, not the provider's. */
function requireJson(value: unknown, path: string): void {
  const problem = jsonProblem(value);
  if (problem)
    throw new RequestError(path, problem, "pass plain JSON values (objects, arrays, strings, numbers, booleans, null)");
}

function rejectUnknownKeys(value: Fields, path: string, known: readonly string[]): void {
  const unknown = firstUnknownKey(value, known);
  if (unknown) {
    throw new RequestError(`${path}.${unknown.key}`, "is not a known field", unknownKeyFix(unknown.suggestion, known));
  }
}

function validateMessages(messages: unknown): void {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new RequestError("request.messages", "must be a non-empty array", 'add at least one `{ role: "user", content: "…" }`');
  }
  const callIds = new Set<string>();
  messages.forEach((message: unknown, index) => {
    const path = `request.messages[${index}]`;
    if (!isObject(message)) throw new RequestError(path, "must be an object", "write `{ role, content }`");
    rejectUnknownKeys(message, path, ["role", "content"]);
    validateMessage(message as unknown as ChatMessage, path, callIds);
  });
}

function validateMessage(message: ChatMessage, path: string, callIds: Set<string>): void {
  switch (message.role) {
    case "user":
      validateParts(message.content, path, ["text", "image"]);
      return;
    case "assistant":
      validateParts(message.content, path, ["text", "tool-call"]);
      if (typeof message.content !== "string") {
        for (const part of message.content) if (part.type === "tool-call") callIds.add(part.id);
      }
      return;
    case "tool":
      validateToolResults(message.content, path, callIds);
      return;
    default:
      throw new RequestError(
        `${path}.role`,
        `"${String((message as Fields).role)}" is not a role`,
        'use "user", "assistant" or "tool" (the system prompt goes in `request.system`)',
      );
  }
}

function validateParts(content: unknown, path: string, allowed: readonly string[]): void {
  if (typeof content === "string") return;
  if (!Array.isArray(content))
    throw new RequestError(
      `${path}.content`,
      "must be a string or an array of parts",
      'write text, or `[{ type: "text", text }]`',
    );
  content.forEach((part: unknown, index) => {
    const partPath = `${path}.content[${index}]`;
    if (!isObject(part) || !allowed.includes(part.type as string)) {
      throw new RequestError(`${partPath}.type`, `must be one of ${allowed.join(", ")}`, "see the ChatMessage types");
    }
    rejectUnknownKeys(part, partPath, partKeys[part.type as string] ?? []);
    if (part.type === "text" && typeof part.text !== "string")
      throw new RequestError(`${partPath}.text`, "must be a string", "write the text");
    if (part.type === "image") validateImage(part, partPath);
    if (part.type === "tool-call" && (typeof part.id !== "string" || typeof part.name !== "string")) {
      throw new RequestError(partPath, "a tool call needs a string `id` and `name`", "copy them from the model's answer");
    }
    if (part.type === "tool-call") requireJson(part.args, `${partPath}.args`);
    if (part.providerMetadata !== undefined) validateProviderMetadata(part.providerMetadata, `${partPath}.providerMetadata`);
  });
}

function validateImage(part: Fields, path: string): void {
  const byUrl = typeof part.url === "string" && part.url !== "";
  const byData = typeof part.data === "string" && typeof part.mediaType === "string";
  if (!byUrl && !byData) {
    throw new RequestError(
      path,
      "an image needs a `url`, or `data` (base64) with a `mediaType`",
      'e.g. `{ type: "image", data, mediaType: "image/png" }`',
    );
  }
}

function validateToolResults(content: unknown, path: string, callIds: ReadonlySet<string>): void {
  if (!Array.isArray(content) || content.length === 0) {
    throw new RequestError(
      `${path}.content`,
      "must be a non-empty array of tool results",
      'write `[{ type: "tool-result", toolCallId, toolName, result }]`',
    );
  }
  content.forEach((part: unknown, index) => {
    const partPath = `${path}.content[${index}]`;
    if (!isObject(part) || part.type !== "tool-result")
      throw new RequestError(`${partPath}.type`, 'must be "tool-result"', "a tool message holds only tool results");
    rejectUnknownKeys(part, partPath, partKeys["tool-result"] ?? []);
    requireJson(part.result, `${partPath}.result`);
    if (part.isError !== undefined && typeof part.isError !== "boolean")
      throw new RequestError(`${partPath}.isError`, "must be true or false", "or leave it out");
    if (typeof part.toolCallId !== "string" || !callIds.has(part.toolCallId)) {
      throw new RequestError(
        `${partPath}.toolCallId`,
        `answers no earlier assistant tool call (${String(part.toolCallId)})`,
        "use the `id` of a tool call from an earlier assistant message",
      );
    }
    if (typeof part.toolName !== "string")
      throw new RequestError(`${partPath}.toolName`, "must be a string", "use the called tool's name");
  });
}

function validateTools(tools: unknown): Set<string> {
  const names = new Set<string>();
  if (tools === undefined) return names;
  if (!Array.isArray(tools))
    throw new RequestError("request.tools", "must be an array", "write `[{ name, description, inputSchema }]`");
  tools.forEach((tool: unknown, index) => {
    const path = `request.tools[${index}]`;
    if (!isObject(tool)) throw new RequestError(path, "must be an object", "write `{ name, description, inputSchema }`");
    rejectUnknownKeys(tool, path, ["name", "description", "inputSchema"]);
    if (typeof tool.name !== "string" || !toolNamePattern.test(tool.name)) {
      throw new RequestError(
        `${path}.name`,
        `"${String(tool.name)}" is not a valid tool name`,
        "use 1 to 64 letters, digits, `_` or `-`",
      );
    }
    if (names.has(tool.name))
      throw new RequestError(`${path}.name`, `"${tool.name}" is used twice`, "give each tool a unique name");
    names.add(tool.name);
    if (tool.description !== undefined && typeof tool.description !== "string")
      throw new RequestError(`${path}.description`, "must be a string", "say what the tool does, or leave it out");
    if (!isObject(tool.inputSchema) || tool.inputSchema.type !== "object") {
      throw new RequestError(
        `${path}.inputSchema`,
        'must be a JSON Schema of an object (`type: "object"`): tool arguments are always an object',
        'e.g. `{ type: "object", properties: { city: { type: "string" } } }`',
      );
    }
    requireJson(tool.inputSchema, `${path}.inputSchema`);
  });
  return names;
}

function validateToolChoice(choice: unknown, toolNames: ReadonlySet<string>): void {
  if (choice === undefined || choice === "auto" || choice === "none") return;
  if (toolNames.size === 0)
    throw new RequestError(
      "request.toolChoice",
      "asks for a tool call but `tools` is empty",
      "add tools, or leave `toolChoice` out",
    );
  if (choice === "required") return;
  if (isObject(choice) && choice.type === "tool" && typeof choice.name === "string") {
    rejectUnknownKeys(choice, "request.toolChoice", ["type", "name"]);
    if (toolNames.has(choice.name)) return;
    throw new RequestError(
      "request.toolChoice.name",
      `"${choice.name}" is not one of the request's tools`,
      "name a tool from `request.tools`",
    );
  }
  throw new RequestError(
    "request.toolChoice",
    'must be "auto", "none", "required" or `{ type: "tool", name }`',
    "pick one of those",
  );
}

function inRange(value: unknown, min: number, max: number, path: string): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !(value >= min && value <= max)) {
    throw new RequestError(path, `must be a number from ${min} to ${max}, got ${String(value)}`, "or leave it out");
  }
}

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
