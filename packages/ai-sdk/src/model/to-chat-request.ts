import {
  type LanguageModelV3CallOptions,
  type LanguageModelV3FilePart,
  type LanguageModelV3FunctionTool,
  type LanguageModelV3Message,
  type LanguageModelV3ProviderTool,
  type LanguageModelV3ToolChoice,
  type LanguageModelV3ToolResultOutput,
  type SharedV3ProviderOptions,
  type SharedV3Warning,
  UnsupportedFunctionalityError,
} from "@ai-sdk/provider";
import type {
  AssistantMessage,
  ChatMessage,
  ChatRequest,
  ImagePart,
  ProviderMetadata,
  ResponseFormat,
  TextPart,
  ToolCallPart,
  ToolChoice,
  ToolDefinition,
  ToolResultPart,
} from "@understudy/core";

/** A call of the AI SDK in understudy's terms, and what could not be said in them. */
export interface TranslatedCall {
  /** The neutral request. */
  readonly request: ChatRequest;
  /** `providerOptions.understudy` of the call: per-call options of the chain (`models`, `deadlineMs`). */
  readonly understudyOptions: Readonly<Record<string, unknown>> | undefined;
  /** Settings understudy cannot express, for the spec's `warnings`. */
  readonly warnings: SharedV3Warning[];
}

/** The v4 field an `ai` 7 call may carry through its v3 wrapper. */
type CallOptions = LanguageModelV3CallOptions & { readonly reasoning?: string };

/**
 * Translates an AI SDK call into a {@link ChatRequest}. Settings no
 * understudy adapter can take become warnings, never a silent drop; content
 * that cannot be carried at all (a PDF, an image in a tool result) is
 * refused with the AI SDK's own `UnsupportedFunctionalityError`.
 */
export function toChatRequest(options: CallOptions): TranslatedCall {
  const warnings: SharedV3Warning[] = [];
  warnUnexpressible(options, warnings);
  const { system, messages } = translatePrompt(options.prompt, warnings);
  const { understudy, ...providerOptions } = options.providerOptions ?? {};
  const request: ChatRequest = {
    ...(system === undefined ? {} : { system }),
    messages,
    ...toolsOf(options.tools, warnings),
    ...(options.toolChoice ? { toolChoice: toolChoiceOf(options.toolChoice) } : {}),
    ...(options.maxOutputTokens === undefined ? {} : { maxTokens: options.maxOutputTokens }),
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.topP === undefined ? {} : { topP: options.topP }),
    ...(options.stopSequences?.length ? { stopSequences: options.stopSequences } : {}),
    ...responseFormatOf(options.responseFormat, warnings),
    ...(Object.keys(providerOptions).length > 0 ? { providerOptions } : {}),
  };
  return { request, understudyOptions: understudy, warnings };
}

function warnUnexpressible(options: CallOptions, warnings: SharedV3Warning[]): void {
  const unsupported = (feature: string, details: string): void => {
    warnings.push({ type: "unsupported", feature, details });
  };
  const settings = ["topK", "presencePenalty", "frequencyPenalty", "seed"] as const;
  for (const setting of settings) {
    if (options[setting] !== undefined) unsupported(setting, `understudy does not send ${setting}; it was dropped.`);
  }
  const headers = callersHeaders(options.headers);
  if (headers.length > 0) {
    unsupported(
      "headers",
      `per-call headers (${headers.join(", ")}) are not sent through a chain; give each adapter its headers when you make it.`,
    );
  }
  if (options.includeRawChunks) unsupported("includeRawChunks", "a chain's stream has no raw provider chunks.");
  if (options.reasoning !== undefined && options.reasoning !== "provider-default") {
    unsupported("reasoning", "set reasoning per model through providerOptions (each adapter reads its own key).");
  }
}

/** The headers the caller set: `ai` adds its own `user-agent` to every call, which is no setting of the caller's. */
function callersHeaders(headers: CallOptions["headers"]): string[] {
  return Object.entries(headers ?? {})
    .filter(([name, value]) => value !== undefined && name.toLowerCase() !== "user-agent")
    .map(([name]) => name);
}

function translatePrompt(
  prompt: LanguageModelV3CallOptions["prompt"],
  warnings: SharedV3Warning[],
): { system: string | undefined; messages: ChatMessage[] } {
  const systems: string[] = [];
  const messages: ChatMessage[] = [];
  const dropped = new Set<string>();
  prompt.forEach((message, index) => {
    if (message.role === "system") {
      if (messages.length > 0) dropped.add("a system message after the conversation began (moved to the system prompt)");
      systems.push(message.content);
      return;
    }
    const translated = translateMessage(message, index, dropped);
    if (translated) messages.push(translated);
  });
  for (const what of dropped) warnings.push({ type: "other", message: `understudy: ${what}.` });
  return { system: systems.length > 0 ? systems.join("\n\n") : undefined, messages };
}

function translateMessage(
  message: Exclude<LanguageModelV3Message, { role: "system" }>,
  index: number,
  dropped: Set<string>,
): ChatMessage | undefined {
  if (hasKeys(message.providerOptions)) {
    dropped.add("message-level providerOptions were dropped (part-level ones are kept)");
  }
  switch (message.role) {
    case "user": {
      const content = message.content.map((part, partIndex): TextPart | ImagePart => {
        if (part.type === "text") return textPart(part.text, part.providerOptions);
        if (hasKeys(part.providerOptions)) dropped.add("providerOptions on file parts were dropped");
        return imagePart(part, `prompt[${index}].content[${partIndex}]`);
      });
      return { role: "user", content };
    }
    case "assistant": {
      const content: (TextPart | ToolCallPart)[] = [];
      for (const part of message.content) {
        if (part.type === "text") content.push(textPart(part.text, part.providerOptions));
        else if (part.type === "tool-call" && !part.providerExecuted) content.push(toolCallPart(part));
        else dropped.add(`assistant ${part.type === "tool-call" ? "provider-executed tool-call" : part.type} parts were dropped`);
      }
      return content.length > 0 ? ({ role: "assistant", content } satisfies AssistantMessage) : undefined;
    }
    case "tool": {
      const content: ToolResultPart[] = [];
      message.content.forEach((part, partIndex) => {
        if (part.type !== "tool-result") {
          dropped.add("tool-approval-response parts were dropped (approvals are for provider-executed tools)");
          return;
        }
        if (hasKeys(part.providerOptions)) dropped.add("providerOptions on tool results were dropped");
        content.push(toolResultPart(part, `prompt[${index}].content[${partIndex}]`));
      });
      return content.length > 0 ? { role: "tool", content } : undefined;
    }
  }
}

function hasKeys(options: SharedV3ProviderOptions | undefined): boolean {
  return options !== undefined && Object.keys(options).length > 0;
}

function textPart(text: string, providerOptions: SharedV3ProviderOptions | undefined): TextPart {
  return { type: "text", text, ...metadataOf(providerOptions) };
}

function toolCallPart(part: {
  toolCallId: string;
  toolName: string;
  input: unknown;
  providerOptions?: SharedV3ProviderOptions;
}): ToolCallPart {
  return { type: "tool-call", id: part.toolCallId, name: part.toolName, args: part.input, ...metadataOf(part.providerOptions) };
}

/** A part's providerOptions are the providerMetadata the model gave it last turn: carried back untouched. */
function metadataOf(providerOptions: SharedV3ProviderOptions | undefined): { providerMetadata?: ProviderMetadata } {
  return providerOptions && hasKeys(providerOptions) ? { providerMetadata: providerOptions } : {};
}

function imagePart(part: LanguageModelV3FilePart, where: string): ImagePart {
  if (!part.mediaType.startsWith("image/")) {
    throw new UnsupportedFunctionalityError({
      functionality: `file parts of type ${part.mediaType}`,
      message: `${where}: understudy carries images only, not ${part.mediaType} files. Send the file's text, or call a provider's model directly.`,
    });
  }
  const { data } = part;
  if (data instanceof URL) return { type: "image", url: data.href };
  if (typeof data === "string" && /^(https?|data):/i.test(data)) return { type: "image", url: data };
  if (typeof data !== "string" && !(data instanceof Uint8Array)) {
    // `ai` 7 passes a provider's file reference (`{ openai: "file-abc" }`) through its v3 wrapper as it is.
    throw new UnsupportedFunctionalityError({
      functionality: "file references",
      message: `${where}: understudy carries images as URLs or bytes, not as a provider's file reference. Send the image's URL or its bytes.`,
    });
  }
  const base64 = typeof data === "string" ? data : Buffer.from(data).toString("base64");
  return { type: "image", data: base64, mediaType: part.mediaType === "image/*" ? sniffImageType(base64) : part.mediaType };
}

/** The AI SDK writes `image/*` for an image whose type it was not told; providers need the real one. */
function sniffImageType(base64: string): string {
  const signatures: readonly [string, string][] = [
    ["iVBORw0KGgo", "image/png"],
    ["/9j/", "image/jpeg"],
    ["R0lGOD", "image/gif"],
    ["UklGR", "image/webp"],
  ];
  return signatures.find(([prefix]) => base64.startsWith(prefix))?.[1] ?? "image/png";
}

function toolResultPart(
  part: { toolCallId: string; toolName: string; output: LanguageModelV3ToolResultOutput },
  where: string,
): ToolResultPart {
  const base = { type: "tool-result" as const, toolCallId: part.toolCallId, toolName: part.toolName };
  const { output } = part;
  switch (output.type) {
    case "text":
    case "json":
      return { ...base, result: output.value };
    case "error-text":
    case "error-json":
      return { ...base, result: output.value, isError: true };
    case "execution-denied":
      return { ...base, result: `Tool execution denied${output.reason ? `: ${output.reason}` : "."}`, isError: true };
    case "content":
      return { ...base, result: textOfContent(output.value, where) };
  }
}

function textOfContent(items: Extract<LanguageModelV3ToolResultOutput, { type: "content" }>["value"], where: string): string {
  return items
    .map((item) => {
      if (item.type === "text") return item.text;
      throw new UnsupportedFunctionalityError({
        functionality: `${item.type} in tool results`,
        message: `${where}: understudy carries tool results as text or JSON, not ${item.type}. Return the tool's result as text or JSON.`,
      });
    })
    .join("\n");
}

function toolsOf(
  tools: readonly (LanguageModelV3FunctionTool | LanguageModelV3ProviderTool)[] | undefined,
  warnings: SharedV3Warning[],
): { tools?: ToolDefinition[] } {
  if (!tools?.length) return {};
  const definitions: ToolDefinition[] = [];
  for (const tool of tools) {
    if (tool.type === "provider") {
      warnings.push({
        type: "unsupported",
        feature: `provider-defined tool ${tool.id}`,
        details: "a chain sends function tools only.",
      });
      continue;
    }
    if (tool.strict !== undefined || tool.inputExamples?.length || tool.providerOptions) {
      warnings.push({
        type: "unsupported",
        feature: `tool ${tool.name}: strict, inputExamples and providerOptions`,
        details: "dropped.",
      });
    }
    definitions.push({
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      inputSchema: tool.inputSchema as Record<string, unknown>,
    });
  }
  return definitions.length > 0 ? { tools: definitions } : {};
}

function toolChoiceOf(choice: LanguageModelV3ToolChoice): ToolChoice {
  return choice.type === "tool" ? { type: "tool", name: choice.toolName } : choice.type;
}

function responseFormatOf(
  format: LanguageModelV3CallOptions["responseFormat"],
  warnings: SharedV3Warning[],
): { responseFormat?: ResponseFormat } {
  if (!format || format.type === "text") return {};
  if (format.description !== undefined) {
    warnings.push({
      type: "unsupported",
      feature: "responseFormat.description",
      details: "understudy sends the schema and its name only.",
    });
  }
  return {
    responseFormat: {
      type: "json",
      ...(format.schema === undefined ? {} : { schema: format.schema as Record<string, unknown> }),
      ...(format.name === undefined ? {} : { name: format.name }),
    },
  };
}
