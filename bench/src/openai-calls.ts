import OpenAI from "openai";
import { budget } from "./budget.ts";
import type { ModelEndpoint } from "./contender.ts";

/** One chat completion with the openai SDK, cancellable by `signal` if given; resolves with its text. */
export async function completeText(client: OpenAI, model: string, prompt: string, signal?: AbortSignal): Promise<string> {
  const completion = await client.chat.completions.create(
    { model, messages: [{ role: "user", content: prompt }], max_tokens: budget.maxTokens },
    signal ? { signal } : undefined,
  );
  return completion.choices[0]?.message.content ?? "";
}

/** Opens a streamed chat completion with the openai SDK (resolves once the response headers are in). */
export function openStream(client: OpenAI, model: string, prompt: string) {
  return client.chat.completions.create({
    model,
    messages: [{ role: "user", content: prompt }],
    max_tokens: budget.maxTokens,
    stream: true,
  });
}

/** Reads an open stream to its end; calls `onFirstText` at the first text delta. */
export async function readText(stream: AsyncIterable<OpenAI.ChatCompletionChunk>, onFirstText: () => void): Promise<string> {
  let text = "";
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta.content;
    if (!delta) continue;
    if (text === "") onFirstText();
    text += delta;
  }
  return text;
}

/** One streamed chat completion with the openai SDK; calls `onFirstText` at the first text delta. */
export async function streamText(client: OpenAI, model: string, prompt: string, onFirstText: () => void): Promise<string> {
  return readText(await openStream(client, model, prompt), onFirstText);
}

/** An openai SDK client for an endpoint, with the SDK's own retries off. */
export function openaiClient(endpoint: ModelEndpoint, options: { readonly headers?: Record<string, string> } = {}): OpenAI {
  return new OpenAI({
    apiKey: budget.apiKey,
    baseURL: endpoint.baseURL,
    maxRetries: 0,
    timeout: budget.attemptTimeoutMs,
    ...(endpoint.fetch ? { fetch: endpoint.fetch } : {}),
    ...(options.headers ? { defaultHeaders: options.headers } : {}),
  });
}
