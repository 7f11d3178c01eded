import { type ChatRequest, isModelError, type ModelAdapter, type ModelError, type StreamPart } from "@understudy/core";

/** What an adapter's stream delivered, and the `ModelError` that ended it, if any. */
export interface AdapterStreamReading {
  /** The parts read, in order. */
  readonly parts: StreamPart[];
  /** The error the stream ended with, if it did. */
  readonly error?: ModelError;
}

/**
 * Reads an adapter's stream to its end. A `ModelError` ends the reading and is
 * returned beside the parts that came before it; anything else is rethrown
 * (an adapter must only throw `ModelError`s).
 */
export async function readAdapterStream(
  adapter: ModelAdapter,
  request: ChatRequest,
  signal: AbortSignal = new AbortController().signal,
): Promise<AdapterStreamReading> {
  const parts: StreamPart[] = [];
  try {
    for await (const part of adapter.stream(request, { signal })) parts.push(part);
    return { parts };
  } catch (error) {
    if (!isModelError(error)) throw error;
    return { parts, error };
  }
}
