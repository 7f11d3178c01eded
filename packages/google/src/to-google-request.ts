import { type Content, FunctionCallingConfigMode, type GenerateContentConfig, type Part } from "@google/genai";
import {
  type AssistantMessage,
  type ChatMessage,
  type ChatRequest,
  type ImagePart,
  type ModelError,
  type ToolMessage,
  unsupportedFeature,
} from "@understudy/core/adapter";
import { isRecord } from "./is-record.ts";
import { foreignCallSignature, googleKey, thoughtSignatureOf } from "./thought-signature.ts";
import { isSyntheticCallId } from "./tool-call-ids.ts";

/** How this model takes a request. */
export interface GoogleRequestSettings {
  readonly provider: string;
  readonly modelId: string;
  /**
   * Whether function calls and responses carry their ids. The Gemini API
   * takes them; Vertex AI is sent none (as the AI SDK does), and matches a
   * response to its call by name and order.
   */
  readonly sendCallIds: boolean;
  /**
   * Whether a function call another model made (it has no Gemini thought
   * signature) is sent with {@link foreignCallSignature}: Gemini 3 and later
   * refuse such history without it; earlier models do not check.
   */
  readonly signForeignCalls: boolean;
}

/**
 * The request as `models.generateContent` takes it, without what belongs to
 * one call (`abortSignal`, the retry and timeout options): those are added
 * when it is sent.
 */
export interface GoogleBody {
  readonly model: string;
  readonly contents: Content[];
  readonly config: GenerateContentConfig;
}

/** Gemini takes at most five stop sequences. */
const maxStopSequences = 5;

/** The image types Gemini documents (https://ai.google.dev/gemini-api/docs/image-understanding). */
const imageMediaTypes = new Set(["image/png", "image/jpeg", "image/webp", "image/heic", "image/heif"]);

/** Media types of an image URL, guessed from its path's extension, for `fileData.mimeType`. */
const extensionTypes: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
};

type Refuse = (feature: string) => ModelError;

/**
 * Translates a neutral request into the parameters of
 * `models.generateContent`: the system prompt becomes `systemInstruction`,
 * the assistant is the `model` role, tool calls and results become
 * `functionCall` and `functionResponse` parts (results wrapped in an object,
 * `{ output }` or `{ error }`, as Gemini documents), each Gemini call with
 * its thought signature. `providerOptions.google` is merged over the config.
 * What Gemini cannot take is refused with kind `unsupported`, naming it,
 * before any call.
 */
export function toGoogleRequest(request: ChatRequest, settings: GoogleRequestSettings): GoogleBody {
  const refuse: Refuse = (feature) => unsupportedFeature({ provider: settings.provider, model: settings.modelId }, feature);
  if ((request.stopSequences?.length ?? 0) > maxStopSequences) throw refuse(`more than ${maxStopSequences} stop sequences`);
  const config: GenerateContentConfig = {};
  if (request.system) config.systemInstruction = { parts: [{ text: request.system }] };
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.stopSequences?.length) config.stopSequences = [...request.stopSequences];
  if (request.tools?.length) {
    config.tools = [
      {
        functionDeclarations: request.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          parametersJsonSchema: tool.inputSchema,
        })),
      },
    ];
  }
  if (request.toolChoice !== undefined) config.toolConfig = { functionCallingConfig: functionCallingOf(request.toolChoice) };
  if (request.responseFormat?.type === "json") {
    config.responseMimeType = "application/json";
    if (request.responseFormat.schema) config.responseJsonSchema = request.responseFormat.schema;
  }
  return {
    model: settings.modelId,
    contents: toContents(request.messages, settings, refuse),
    config: { ...config, ...request.providerOptions?.[googleKey] },
  };
}

function functionCallingOf(choice: NonNullable<ChatRequest["toolChoice"]>) {
  if (choice === "auto") return { mode: FunctionCallingConfigMode.AUTO };
  if (choice === "none") return { mode: FunctionCallingConfigMode.NONE };
  if (choice === "required") return { mode: FunctionCallingConfigMode.ANY };
  return { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: [choice.name] };
}

/** A tool call of the history, as far as its result needs it: its name, and the id sent with it (none when it had no real one). */
interface SentCall {
  readonly name: string;
  readonly wireId: string | undefined;
  readonly position: number;
}

function toContents(messages: readonly ChatMessage[], settings: GoogleRequestSettings, refuse: Refuse): Content[] {
  const calls = new Map<string, SentCall>();
  const contents: Content[] = [];
  for (const message of messages) {
    const content =
      message.role === "user"
        ? { role: "user", parts: userParts(message.content, refuse) }
        : message.role === "assistant"
          ? { role: "model", parts: modelParts(message, calls, settings, refuse) }
          : { role: "user", parts: functionResponses(message, calls, settings, refuse) };
    // An empty text is no part to Gemini ("required oneof field 'data'"), and a turn without parts is refused.
    if (content.parts.length === 0) continue;
    const previous = contents.at(-1);
    // Tool results followed by the user's text are one user turn, as Gemini wants turns to alternate.
    if (previous?.role === content.role) previous.parts = [...(previous.parts ?? []), ...content.parts];
    else contents.push(content);
  }
  return contents;
}

function userParts(content: Extract<ChatMessage, { role: "user" }>["content"], refuse: Refuse): Part[] {
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  return content.flatMap((part): Part[] => {
    if (part.type === "text") return part.text === "" ? [] : [{ text: part.text }];
    return [imagePart(part, refuse)];
  });
}

/**
 * An image: base64 data (or a `data:` URL) inline; an `https:`, `http:` or
 * `gs:` URL as `fileData`, which Gemini fetches itself (its own Files API
 * URIs, Cloud Storage, public web URLs). The adapter never downloads an
 * image: that would be a request to any host a message names.
 */
function imagePart(part: ImagePart, refuse: Refuse): Part {
  if ("data" in part) return { inlineData: { mimeType: checkedType(part.mediaType, refuse), data: part.data } };
  const inline = /^data:([^;,]+);base64,(.*)$/s.exec(part.url);
  if (inline) return { inlineData: { mimeType: checkedType(inline[1] ?? "", refuse), data: inline[2] ?? "" } };
  if (part.url.startsWith("data:")) throw refuse("a data: URL that is not base64");
  let url: URL;
  try {
    url = new URL(part.url);
  } catch {
    throw refuse(`an image URL that is not a URL (${part.url.slice(0, 100)})`);
  }
  if (!["https:", "http:", "gs:"].includes(url.protocol))
    throw refuse(`an image URL of scheme ${url.protocol} (it takes https:, http: and gs: URLs, or base64 data)`);
  const extension = /\.([a-z0-9]+)$/i.exec(url.pathname)?.[1]?.toLowerCase();
  const mimeType = extension === undefined ? undefined : extensionTypes[extension];
  return { fileData: { fileUri: part.url, ...(mimeType ? { mimeType } : {}) } };
}

function checkedType(mediaType: string, refuse: Refuse): string {
  if (!imageMediaTypes.has(mediaType.toLowerCase()))
    throw refuse(`an image of type ${mediaType || "(none)"} (it takes png, jpeg, webp, heic, heif)`);
  return mediaType.toLowerCase();
}

/**
 * An assistant turn: its text with the thought signature it came with, and
 * its tool calls as `functionCall` parts. A Gemini call keeps its own
 * signature; when no call of the turn has one (another model made them), the
 * first is sent with {@link foreignCallSignature}.
 */
function modelParts(
  message: AssistantMessage,
  calls: Map<string, SentCall>,
  settings: GoogleRequestSettings,
  refuse: Refuse,
): Part[] {
  if (typeof message.content === "string") return message.content === "" ? [] : [{ text: message.content }];
  const unsigned = !message.content.some((part) => part.type === "tool-call" && thoughtSignatureOf(part.providerMetadata));
  let position = 0;
  return message.content.flatMap((part): Part[] => {
    const signature = thoughtSignatureOf(part.providerMetadata);
    if (part.type === "text") {
      if (part.text === "" && signature === undefined) return [];
      return [{ text: part.text, ...(signature ? { thoughtSignature: signature } : {}) }];
    }
    const args = part.args ?? {};
    if (!isRecord(args)) throw refuse(`a tool call whose arguments are not an object (${part.name}: Gemini takes an object)`);
    const wireId = settings.sendCallIds && !isSyntheticCallId(part.id) ? part.id : undefined;
    calls.set(part.id, { name: part.name, wireId, position: position++ });
    const thoughtSignature =
      signature ?? (unsigned && settings.signForeignCalls && position === 1 ? foreignCallSignature : undefined);
    return [
      {
        functionCall: { name: part.name, args, ...(wireId ? { id: wireId } : {}) },
        ...(thoughtSignature ? { thoughtSignature } : {}),
      },
    ];
  });
}

/**
 * Tool results as `functionResponse` parts, in the order of the calls they
 * answer (Gemini matches a response without an id to its call by name and
 * order). The result is wrapped in the object Gemini wants: `{ output }`, or
 * `{ error }` for a failed tool, as its `FunctionResponse.response` documents.
 */
function functionResponses(
  message: ToolMessage,
  calls: ReadonlyMap<string, SentCall>,
  settings: GoogleRequestSettings,
  refuse: Refuse,
): Part[] {
  const ordered = [...message.content].sort(
    (a, b) =>
      (calls.get(a.toolCallId)?.position ?? Number.MAX_SAFE_INTEGER) -
      (calls.get(b.toolCallId)?.position ?? Number.MAX_SAFE_INTEGER),
  );
  return ordered.map((part) => {
    const call = calls.get(part.toolCallId);
    const name = part.toolName || call?.name;
    if (!name) throw refuse(`a tool result without its tool's name (call ${part.toolCallId})`);
    const wireId = call ? call.wireId : settings.sendCallIds && !isSyntheticCallId(part.toolCallId) ? part.toolCallId : undefined;
    // JSON round trip: a result must be plain JSON (a BigInt or a cycle is the caller's bug, refused here).
    const result = JSON.parse(JSON.stringify(part.result ?? null)) as unknown;
    return {
      functionResponse: {
        name,
        ...(wireId ? { id: wireId } : {}),
        response: part.isError ? { error: result } : { output: result },
      },
    };
  });
}
