import type { FallbackStreamPart, MidStreamMode, ModelAdapter, StreamPart } from "@understudy/core";
import type { KnownIssue } from "./known-issues.ts";
import type { Violations } from "./violation.ts";

/** One call of an adapter's `stream()`, as seen from under the engine. */
export interface StreamCall {
  /** The chain id of the model called. */
  readonly model: string;
  /** Which stream call this is, across the chain (1 first). */
  readonly n: number;
  /** The signal the engine passed: aborted with `hedge-lost` when the call lost a hedge. */
  readonly signal: AbortSignal;
  /** The adapter yielded its `finish` part: the call answered whole. */
  finished: boolean;
}

/**
 * Tells which provider call each streamed part came from. The engine hands
 * the adapters' part objects on to the caller as they are (all but `finish`,
 * which it makes), so a part the caller reads is traced to the call that sent
 * it: the caller must never read a hedge loser's part, nor parts of two calls
 * without a `reset` between (bar a continuation after a cut).
 */
export class PartSources {
  private readonly sources = new WeakMap<object, StreamCall>();
  private calls = 0;

  /** `adapter` as the engine gets it: the same model, whose streamed parts are traced. */
  wrap<T extends ModelAdapter>(adapter: T, model: string): T {
    const trace = (parts: AsyncIterable<StreamPart>, call: StreamCall): AsyncIterable<StreamPart> => ({
      [Symbol.asyncIterator]: () => {
        const iterator = parts[Symbol.asyncIterator]();
        return {
          next: async () => {
            const step = await iterator.next();
            if (!step.done) {
              this.sources.set(step.value, call);
              if (step.value.type === "finish") call.finished = true;
            }
            return step;
          },
          return: (value?: unknown) =>
            iterator.return ? iterator.return(value) : Promise.resolve({ done: true as const, value: undefined }),
        };
      },
    });
    return new Proxy(adapter, {
      get: (target, key) => {
        if (key === "stream")
          return (request: Parameters<ModelAdapter["stream"]>[0], options: Parameters<ModelAdapter["stream"]>[1]) =>
            trace(target.stream(request, options), {
              model,
              n: ++this.calls,
              signal: options.signal,
              finished: false,
            });
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** The call that sent `part`, if a traced adapter did. */
  of(part: FallbackStreamPart): StreamCall | undefined {
    return this.sources.get(part);
  }
}

/** Whether the engine aborted this call because the other call of its hedge delivered first (or the race was called off). */
export function lostItsHedge(signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  const reason: unknown = signal.reason;
  return reason instanceof Error && /hedge-lost/.test(reason.message);
}

/**
 * The caller hears one voice: every content part since the last `reset`
 * comes from one provider call — or, with `midStream: "continue"`, from a
 * call that continues one cut before it — and no part of a call that lost its
 * hedge ever reaches it.
 */
export function checkOneVoice(
  v: Violations,
  parts: readonly FallbackStreamPart[],
  midStream: MidStreamMode,
  sources: PartSources,
  label: string,
  known?: KnownIssue,
): void {
  let current: StreamCall | undefined;
  for (const [index, part] of parts.entries()) {
    if (part.type === "reset") {
      current = undefined;
      continue;
    }
    if (part.type === "finish") continue;
    const call = sources.of(part);
    if (!call) {
      v.add("one-voice", `${label}: part ${index} (${part.type}) was sent by no provider call`);
      continue;
    }
    if (lostItsHedge(call.signal))
      v.add("one-voice", `${label}: part ${index} came from ${call.model} (stream call ${call.n}), which lost its hedge`);
    if (current && call !== current) {
      const two = `${current.model} (stream call ${current.n}) then ${call.model} (stream call ${call.n})`;
      if (midStream !== "continue") v.add("one-voice", `${label}: parts of two calls without a reset between: ${two}`, known);
      else if (current.finished) v.add("one-voice", `${label}: parts of ${two}, the first of which had answered whole`, known);
    }
    current = call;
  }
}
