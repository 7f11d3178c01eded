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
import { foreignCallSignature, googleKey, type SignatureOrigin, thoughtSignatureOf } from "./thought-signature.ts";
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
  /**
   * This model and endpoint: a thought signature is sent back only to the
   * model and endpoint that issued it; any other is dropped (a call's is
   * replaced by {@link foreignCallSignature}, as another model's call is).
   */
  readonly origin: SignatureOrigin;
  /** Whether the endpoint is Vertex AI, which wants the `mimeType` of every `fileData`. */
  readonly vertex: boolean;
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

/** Media types of an image URL, from its path's extension, for `fileData.mimeType`; Gemini takes only the first six. */
const extensionTypes: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  gif: "image/gif",
  bmp: "image/bmp",
  svg: "image/svg+xml",
  tif: "image/tiff",
  tiff: "image/tiff",
  avif: "image/avif",
  ico: "image/x-icon",
};

/** A file of the Gemini API's Files API (`https://generativelanguage.googleapis.com/v1beta/files/abc123`): it knows its own type. */
const filesApiUri = /^https:\/\/generativelanguage\.googleapis\.com\/[^/]+\/files\/[^/]+$/;

type Refuse = (feature: string) => ModelError;

/**
 * Translates a neutral request into the parameters of
 * `models.generateContent`: the system prompt becomes `systemInstruction`,
 * the assistant is the `model` role, tool calls and results become
 * `functionCall` and `functionResponse` parts (results wrapped in an object,
 * `{ output }` or `{ error }`, as Gemini documents), each Gemini call with
 * its thought signature (only back to the model and endpoint that issued
 * it). `providerOptions.google` is merged over the config. What Gemini
 * cannot take is refused with kind `unsupported`, naming it, before any call.
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

/**
 * A tool call of the history, as far as its result needs it: its name, the id
 * sent with it (none when it had no real one), and its place among all the
 * calls of the conversation.
 */
interface SentCall {
  readonly name: string;
  readonly wireId: string | undefined;
  readonly order: number;
}

/** The calls of the history so far (and how many), and the place of each function response's call (for ordering a turn's responses). */
interface History {
  readonly calls: Map<string, SentCall>;
  callCount: number;
  readonly responseOrder: Map<Part, number>;
}

function toContents(messages: readonly ChatMessage[], settings: GoogleRequestSettings, refuse: Refuse): Content[] {
  const history: History = { calls: new Map(), callCount: 0, responseOrder: new Map() };
  const contents: Content[] = [];
  for (const message of messages) {
    const content =
      message.role === "user"
        ? { role: "user", parts: userParts(message.content, settings, refuse) }
        : message.role === "assistant"
          ? { role: "model", parts: modelParts(message, history, settings, refuse) }
          : { role: "user", parts: functionResponses(message, history, settings, refuse) };
    // An empty text is no part to Gemini ("required oneof field 'data'"), and a turn without parts is refused.
    if (content.parts.length === 0) continue;
    const previous = contents.at(-1);
    // Tool results followed by the user's text are one user turn, as Gemini wants turns to alternate.
    if (previous?.role === content.role) previous.parts = [...(previous.parts ?? []), ...content.parts];
    else contents.push(content);
  }
  // Results split over several tool messages are one turn now: put its responses in the order of their calls.
  for (const content of contents)
    if (content.role === "user") content.parts = inCallOrder(content.parts ?? [], history.responseOrder);
  return contents;
}

/**
 * A user turn's parts with its function responses in the order of the calls
 * they answer, over the whole turn (Gemini matches a response without an id,
 * and every response on Vertex AI, to its call by name and order); other
 * parts, and responses to calls it does not know, keep their places.
 */
function inCallOrder(parts: Part[], responseOrder: ReadonlyMap<Part, number>): Part[] {
  const slots = parts.flatMap((part, index) => (part.functionResponse ? [index] : []));
  const rank = (part: Part | undefined) =>
    part ? (responseOrder.get(part) ?? Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER;
  const responses = slots.map((index) => parts[index]).sort((a, b) => rank(a) - rank(b));
  const ordered = [...parts];
  slots.forEach((slot, i) => {
    const response = responses[i];
    if (response) ordered[slot] = response;
  });
  return ordered;
}

function userParts(
  content: Extract<ChatMessage, { role: "user" }>["content"],
  settings: GoogleRequestSettings,
  refuse: Refuse,
): Part[] {
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  return content.flatMap((part): Part[] => {
    if (part.type === "text") return part.text === "" ? [] : [{ text: part.text }];
    return [imagePart(part, settings, refuse)];
  });
}

/**
 * An image: base64 data (or a `data:` URL) inline; an `https:`, `http:` or
 * `gs:` URL as `fileData`, which Gemini fetches itself (its own Files API
 * URIs, Cloud Storage, public web URLs). The adapter never downloads an
 * image: that would be a request to any host a message names. A URL goes
 * with its type, from its path's extension (Vertex AI requires it): a type
 * Gemini does not take (`.gif`), or none the path tells, is refused, as
 * base64 data of such a type is; only a Files API URI on the Gemini API goes
 * without one (the file has its own).
 */
function imagePart(part: ImagePart, settings: GoogleRequestSettings, refuse: Refuse): Part {
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
  if (mimeType) return { fileData: { fileUri: part.url, mimeType: checkedType(mimeType, refuse) } };
  if (!settings.vertex && filesApiUri.test(`${url.origin}${url.pathname}`)) return { fileData: { fileUri: part.url } };
  throw refuse(
    `an image URL whose type its path does not tell (${part.url.slice(0, 100)}): it takes URLs ending in .png, .jpg, .jpeg, .webp, .heic or .heif, or base64 data with its type`,
  );
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
function modelParts(message: AssistantMessage, history: History, settings: GoogleRequestSettings, refuse: Refuse): Part[] {
  if (typeof message.content === "string") return message.content === "" ? [] : [{ text: message.content }];
  const signatureOf = (part: (typeof message.content)[number]) => thoughtSignatureOf(part.providerMetadata, settings.origin);
  const unsigned = !message.content.some((part) => part.type === "tool-call" && signatureOf(part));
  let position = 0;
  return message.content.flatMap((part): Part[] => {
    const signature = signatureOf(part);
    if (part.type === "text") {
      if (part.text === "" && signature === undefined) return [];
      return [{ text: part.text, ...(signature ? { thoughtSignature: signature } : {}) }];
    }
    const args = part.args ?? {};
    if (!isRecord(args)) throw refuse(`a tool call whose arguments are not an object (${part.name}: Gemini takes an object)`);
    const wireId = settings.sendCallIds && !isSyntheticCallId(part.id) ? part.id : undefined;
    history.calls.set(part.id, { name: part.name, wireId, order: history.callCount++ });
    position++;
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
 * Tool results as `functionResponse` parts, each ranked by the call it
 * answers (`history.responseOrder`: the turn they end up in is put in the
 * order of the calls, see {@link inCallOrder}), and named by that call:
 * Gemini matches a response to its call by name, so a result's own
 * `toolName` counts only when no call of the history has its id. The result
 * is wrapped in the object Gemini wants: `{ output }`, or `{ error }` for a
 * failed tool, as its `FunctionResponse.response` documents.
 */
function functionResponses(message: ToolMessage, history: History, settings: GoogleRequestSettings, refuse: Refuse): Part[] {
  return message.content.map((part) => {
    const call = history.calls.get(part.toolCallId);
    const name = call?.name ?? (part.toolName || undefined);
    if (!name) throw refuse(`a tool result without its tool's name (call ${part.toolCallId})`);
    const wireId = call ? call.wireId : settings.sendCallIds && !isSyntheticCallId(part.toolCallId) ? part.toolCallId : undefined;
    // JSON round trip: a result must be plain JSON (a BigInt or a cycle is the caller's bug, refused here).
    const result = JSON.parse(JSON.stringify(part.result ?? null)) as unknown;
    const response: Part = {
      functionResponse: {
        name,
        ...(wireId ? { id: wireId } : {}),
        response: part.isError ? { error: result } : { output: result },
      },
    };
    if (call) history.responseOrder.set(response, call.order);
    return response;
  });
}
