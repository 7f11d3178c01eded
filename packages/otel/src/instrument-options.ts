import type { MeterProvider, TracerProvider } from "@opentelemetry/api";

/** Options of {@link instrument}. */
export interface InstrumentOptions {
  /**
   * Where spans go. Default: the global one (`trace.getTracerProvider()`),
   * looked up at each request, so an SDK registered after `instrument()` is
   * used from then on. With no SDK registered, no span is made. Pass one
   * only when you own it: a provider passed here is used as it is.
   */
  readonly tracerProvider?: TracerProvider;
  /**
   * Where metrics go. Default: the global one (`metrics.getMeterProvider()`),
   * looked up at each request. With no SDK registered, nothing is measured.
   * Pass one only when you own it: a provider passed here is never looked up
   * again, so `metrics.getMeterProvider()` evaluated before the SDK registers
   * its own pins the API's no-op provider, and nothing is ever measured.
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Record the prompt and the answer on the attempt spans
   * (`gen_ai.system_instructions`, `gen_ai.input.messages`,
   * `gen_ai.output.messages`, as JSON strings per the conventions' schemas),
   * with API keys redacted. Default `false`: prompts hold user data.
   */
  readonly captureContent?: boolean;
  /**
   * With `captureContent`: the most characters kept of each piece of text
   * captured — a message's text, the system prompt, each string in a tool
   * call's arguments or a tool's result. A longer one is cut, and ends with
   * `…[N characters truncated]`; the messages stay valid JSON in the
   * conventions' schemas. Default 65 536 (64 KiB); `Infinity` keeps all.
   */
  readonly maxContentChars?: number;
  /**
   * More strings to redact from captured content and error messages (your
   * API keys): every piece of 8 or more characters of each is removed, as
   * well as anything shaped like a provider key, which is removed regardless.
   */
  readonly secrets?: readonly (string | undefined)[];
  /**
   * A name for the chain, low in cardinality (`support-answers`): added to
   * the chain span's name and as `understudy.chain.name` on its spans and
   * understudy's own metrics, to tell chains apart.
   */
  readonly name?: string;
}
