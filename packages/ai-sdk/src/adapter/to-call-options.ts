import type {
  JSONSchema7,
  JSONValue,
  LanguageModelV2CallOptions,
  LanguageModelV3CallOptions,
  LanguageModelV3FilePart,
  LanguageModelV4CallOptions,
  LanguageModelV4FilePart,
  SharedV4ProviderOptions,
} from "@ai-sdk/provider";
import type {
  AssistantMessage,
  ChatMessage,
  ChatRequest,
  ImagePart,
  ProviderMetadata,
  TextPart,
  ToolMessage,
  UserMessage,
} from "@understudy/core/adapter";
import type { SpecVersion } from "./language-model.ts";

/** The call options of a model of any version; what `translate` makes and `doGenerate` / `doStream` take (the signal is added per call). */
export type CallOptions = LanguageModelV2CallOptions | LanguageModelV3CallOptions | LanguageModelV4CallOptions;

/**
 * Translates a neutral request into the call options of a model of
 * `version`. The versions differ only in how a prompt file carries its data
 * (v2/v3: a `URL`, base64 text or bytes; v4: `{ type: "url" | "data", … }`),
 * and the v3 options this makes are v2 ones too. The whole `providerOptions`
 * goes through: an AI SDK provider reads its own key (`openai`, `google`, …).
 * Provider facts of text and tool calls (`providerMetadata`, e.g. Gemini's
 * thought signatures) go back as the part's `providerOptions`, as the AI SDK
 * itself sends them.
 */
export function toCallOptions(request: ChatRequest, version: SpecVersion): CallOptions {
  if (version === "v4") return { ...settingsOf(request), prompt: promptOf(request, v4File) } satisfies LanguageModelV4CallOptions;
  return { ...settingsOf(request), prompt: promptOf(request, v3File) } satisfies LanguageModelV3CallOptions;
}

/** Everything but the prompt: the same in every version. */
function settingsOf(request: ChatRequest) {
  const { toolChoice, responseFormat } = request;
  return {
    ...(request.maxTokens === undefined ? {} : { maxOutputTokens: request.maxTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.topP === undefined ? {} : { topP: request.topP }),
    ...(request.stopSequences?.length ? { stopSequences: [...request.stopSequences] } : {}),
    ...(request.tools?.length
      ? {
          tools: request.tools.map((tool) => ({
            type: "function" as const,
            name: tool.name,
            ...(tool.description ? { description: tool.description } : {}),
            inputSchema: tool.inputSchema as JSONSchema7,
          })),
        }
      : {}),
    ...(toolChoice === undefined
      ? {}
      : {
          toolChoice:
            typeof toolChoice === "string" ? { type: toolChoice } : { type: "tool" as const, toolName: toolChoice.name },
        }),
    ...(responseFormat === undefined
      ? {}
      : {
          responseFormat:
            responseFormat.type === "json"
              ? {
                  type: "json" as const,
                  ...(responseFormat.schema ? { schema: responseFormat.schema as JSONSchema7 } : {}),
                  ...(responseFormat.name ? { name: responseFormat.name } : {}),
                }
              : { type: "text" as const },
        }),
    ...(request.providerOptions ? { providerOptions: options(request.providerOptions) } : {}),
  };
}

/** Provider facts and options are plain JSON by contract (the engine checks a request's metadata). */
function options(value: ProviderMetadata): SharedV4ProviderOptions {
  return value as SharedV4ProviderOptions;
}

function withOptions(metadata: ProviderMetadata | undefined) {
  return metadata ? { providerOptions: options(metadata) } : {};
}

/** A text part of a prompt, the same in every version. */
interface PromptText {
  readonly type: "text";
  readonly text: string;
  readonly providerOptions?: SharedV4ProviderOptions;
}

/** A tool call part of a prompt, the same in every version. */
interface PromptToolCall {
  readonly type: "tool-call";
  readonly toolCallId: string;
  readonly toolName: string;
  readonly input: unknown;
  readonly providerOptions?: SharedV4ProviderOptions;
}

/** Makes a prompt file part of an image, in one version's shape. */
type FileOf<File> = (image: ImagePart) => File;

function promptOf<File>(request: ChatRequest, file: FileOf<File>) {
  return [
    ...(request.system ? [{ role: "system" as const, content: request.system }] : []),
    ...request.messages.map((message) => messageOf(message, file)),
  ];
}

function messageOf<File>(message: ChatMessage, file: FileOf<File>) {
  switch (message.role) {
    case "user":
      return userMessage(message, file);
    case "assistant":
      return assistantMessage(message);
    case "tool":
      return toolMessage(message);
  }
}

/** A text part, or nothing for an empty one with no provider facts (some providers refuse empty text blocks). */
function textParts(part: TextPart): PromptText[] {
  return part.text === "" && !part.providerMetadata
    ? []
    : [{ type: "text" as const, text: part.text, ...withOptions(part.providerMetadata) }];
}

function userMessage<File>(message: UserMessage, file: FileOf<File>) {
  const content: (PromptText | File)[] =
    typeof message.content === "string"
      ? [{ type: "text", text: message.content }]
      : message.content.flatMap((part): (PromptText | File)[] => (part.type === "text" ? textParts(part) : [file(part)]));
  return { role: "user" as const, content };
}

function assistantMessage(message: AssistantMessage) {
  const content =
    typeof message.content === "string"
      ? textParts({ type: "text", text: message.content })
      : message.content.flatMap((part): (PromptText | PromptToolCall)[] =>
          part.type === "text"
            ? textParts(part)
            : [
                {
                  type: "tool-call" as const,
                  toolCallId: part.id,
                  toolName: part.name,
                  // A call whose arguments were not JSON goes back as an empty object, as the other adapters send it.
                  input: part.args ?? {},
                  ...withOptions(part.providerMetadata),
                },
              ],
        );
  return { role: "assistant" as const, content };
}

function toolMessage(message: ToolMessage) {
  return {
    role: "tool" as const,
    content: message.content.map((part) => ({
      type: "tool-result" as const,
      toolCallId: part.toolCallId,
      toolName: part.toolName,
      output: toolOutput(part.result, part.isError === true),
    })),
  };
}

/** A string result is text; anything else JSON (`undefined` as `null`); an error says so in its type. */
function toolOutput(result: unknown, isError: boolean) {
  if (typeof result === "string") return { type: isError ? ("error-text" as const) : ("text" as const), value: result };
  // JSON by contract: a tool result goes to the provider as JSON whatever the adapter.
  return { type: isError ? ("error-json" as const) : ("json" as const), value: (result ?? null) as JSONValue };
}

/** An image of unknown type: v2 and v3 say `image/*`, v4 the top-level type alone (`*` subtypes are the same to it). */
const anyImageV3 = "image/*";
const anyImageV4 = "image";

function v3File(image: ImagePart): LanguageModelV3FilePart {
  if ("data" in image) return { type: "file", data: image.data, mediaType: image.mediaType };
  const inline = dataUrlOf(image.url);
  if (inline) return { type: "file", data: inline.base64, mediaType: inline.mediaType ?? anyImageV3 };
  return { type: "file", data: new URL(image.url), mediaType: anyImageV3 };
}

function v4File(image: ImagePart): LanguageModelV4FilePart {
  if ("data" in image) return { type: "file", data: { type: "data", data: image.data }, mediaType: image.mediaType };
  const inline = dataUrlOf(image.url);
  if (inline) return { type: "file", data: { type: "data", data: inline.base64 }, mediaType: inline.mediaType ?? anyImageV4 };
  return { type: "file", data: { type: "url", url: new URL(image.url) }, mediaType: anyImageV4 };
}

/**
 * A `data:` URL split into its media type and base64 bytes (percent-encoded
 * data is re-encoded), as the AI SDK splits one: most providers take inline
 * bytes, not a `data:` URL. `undefined` for any other URL.
 */
function dataUrlOf(url: string): { mediaType: string | undefined; base64: string } | undefined {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/is.exec(url.trim());
  if (!match) return undefined;
  const [, mediaType, params = "", payload = ""] = match;
  const base64 = /;base64/i.test(params) ? payload : Buffer.from(decodeURIComponent(payload)).toString("base64");
  return { mediaType: mediaType || undefined, base64 };
}
