import { ModelError } from "@understudy/core/adapter";
import type { CallOptions } from "./to-call-options.ts";

/** The largest image the adapter downloads for a model that cannot fetch it itself. */
export const maxImageBytes = 20 * 1024 * 1024;

/** The model's own list of URLs it fetches itself, by media type pattern (`image/*`, `*\/*`). */
export type SupportedUrls = PromiseLike<Record<string, RegExp[]>> | Record<string, RegExp[]>;

/** Who the download is for, for the error's message. */
export interface DownloadSource {
  readonly provider: string;
  readonly model: string;
}

/**
 * The call with every image URL the model cannot fetch itself replaced by
 * its bytes, as `generateText` does before it calls a model: a provider
 * given a URL it does not take refuses the whole request (Gemini takes only
 * its own file URIs). An image the model does fetch keeps its URL, its
 * media type made exact from the URL's extension where that says it. A
 * download that fails is the caller's URL at fault, never the model's:
 * `invalid_request`.
 */
export async function withDownloadedImages(
  call: CallOptions,
  supportedUrls: SupportedUrls | undefined,
  signal: AbortSignal,
  source: DownloadSource,
): Promise<CallOptions> {
  if (!call.prompt.some((message) => Array.isArray(message.content) && message.content.some(isUrlFile))) return call;
  const supported = (await supportedUrls) ?? {};
  const prompt = await Promise.all(
    call.prompt.map(async (message) => {
      if (!Array.isArray(message.content)) return message;
      const content = await Promise.all(
        message.content.map((part: unknown) => (isUrlFile(part) ? fileFor(part, supported, signal, source) : part)),
      );
      return { ...message, content };
    }),
  );
  return { ...call, prompt } as CallOptions;
}

/** A file part whose data is a URL: v2/v3 a `URL`, v4 `{ type: "url", url }`. */
interface UrlFile {
  readonly type: "file";
  readonly mediaType: string;
  readonly data: URL | { readonly type: "url"; readonly url: URL };
}

function isUrlFile(part: unknown): part is UrlFile {
  if (typeof part !== "object" || part === null || (part as { type?: unknown }).type !== "file") return false;
  const { data } = part as { data?: unknown };
  return data instanceof URL || (typeof data === "object" && data !== null && (data as { url?: unknown }).url instanceof URL);
}

async function fileFor(
  part: UrlFile,
  supported: Record<string, RegExp[]>,
  signal: AbortSignal,
  source: DownloadSource,
): Promise<unknown> {
  const v4 = !(part.data instanceof URL);
  const url = part.data instanceof URL ? part.data : part.data.url;
  const mediaType = exactImageType(part.mediaType, url);
  if (fetchesItself(supported, mediaType, url)) return { ...part, mediaType };
  const image = await download(url, signal, source);
  const downloaded = image.mediaType ?? (mediaType.includes("/") && !mediaType.endsWith("/*") ? mediaType : "image/png");
  return { ...part, mediaType: downloaded, data: v4 ? { type: "data", data: image.bytes } : image.bytes };
}

/** Whether one of the model's patterns for this media type matches the URL (lower-cased, as the spec says). */
function fetchesItself(supported: Record<string, RegExp[]>, mediaType: string, url: URL): boolean {
  const href = url.href.toLowerCase();
  const [top] = mediaType.split("/");
  return Object.entries(supported).some(
    ([pattern, expressions]) =>
      (pattern === "*/*" || pattern === `${top}/*` || pattern === mediaType) &&
      expressions.some((expression) => expression.test(href)),
  );
}

const extensionTypes: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
};

/** `image/*` or `image` made exact from the URL's extension when it has a known one. */
function exactImageType(mediaType: string, url: URL): string {
  if (mediaType !== "image/*" && mediaType !== "image") return mediaType;
  const extension = /\.([a-z0-9]+)$/i.exec(url.pathname)?.[1]?.toLowerCase();
  return (extension && extensionTypes[extension]) ?? mediaType;
}

async function download(
  url: URL,
  signal: AbortSignal,
  source: DownloadSource,
): Promise<{ bytes: Uint8Array; mediaType: string | undefined }> {
  // A signed URL's query may hold a token: the message names the host and path only.
  const where = `${url.protocol}//${url.host}${url.pathname}`;
  const refuse = (problem: string, cause?: unknown) =>
    new ModelError({
      kind: "invalid_request",
      provider: source.provider,
      model: source.model,
      message: `cannot download the image at ${where} for ${source.model}, which does not fetch URLs itself: ${problem}`,
      ...(cause === undefined ? {} : { cause }),
    });
  if (url.protocol !== "https:" && url.protocol !== "http:") throw refuse(`${url.protocol} URLs are not downloaded`);
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw refuse("the request failed", error);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw refuse(`HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length"));
  if (declared > maxImageBytes) {
    await response.body?.cancel();
    throw refuse(`it is ${declared} bytes, over the ${maxImageBytes} the adapter downloads`);
  }
  const bytes = await boundedBytes(response, refuse);
  const type = response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  return { bytes, mediaType: type?.startsWith("image/") ? type : undefined };
}

async function boundedBytes(response: Response, refuse: (problem: string) => ModelError): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    // Leaving the loop cancels the body: the rest is never read.
    if (size > maxImageBytes) break;
    chunks.push(chunk);
  }
  if (size > maxImageBytes) throw refuse(`it is over the ${maxImageBytes} bytes the adapter downloads`);
  const bytes = Buffer.concat(chunks);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
