import type { FaultStep } from "./fault-step.ts";
import type { WireProvider } from "./wire-format.ts";

/**
 * The tool choice a request forced, in neutral words: `auto` (the model may
 * call a tool), `none` (it may not), `required` (it must call one: OpenAI
 * `required`, Anthropic `any`, Gemini `ANY`), or `{ name }` (it must call that
 * one: OpenAI `{ type: "function", function: { name } }`, Anthropic
 * `{ type: "tool", name }`, Gemini `ANY` with a single allowed function name).
 */
export type ScriptedToolChoice =
  | "auto"
  | "none"
  | "required"
  | {
      /** The one tool the request forces. */
      readonly name: string;
    };

/** One message of a {@link ScriptedRequest}, in the order the request sent them. */
export interface ScriptedMessage {
  /**
   * Who said it: `user`, `assistant` (Gemini's `model`), or `tool` for a tool
   * result (OpenAI `tool` and `function` messages, Anthropic `tool_result`
   * blocks, Gemini `functionResponse` parts; one message per result).
   */
  readonly role: "user" | "assistant" | "tool";
  /**
   * Its text: the text parts joined by a newline (images and other parts
   * left out, as are Gemini thought parts); a tool result's content as sent
   * (Gemini: the `output` of its `response`, JSON unless it is a string);
   * `""` when it has none.
   */
  readonly text: string;
}

/**
 * A request as a script sees it: a provider-neutral view read from the wire
 * body, the same for the OpenAI, Anthropic and Gemini formats, so that one
 * script can answer from what was asked ({@link faults.byPrompt}). Read
 * leniently: a field missing or of the wrong type reads as absent (`""`,
 * `[]`, `undefined`, `false`), never as an error.
 */
export interface ScriptedRequest {
  /** Which wire format the request used. */
  readonly provider: WireProvider;
  /** The model: the body's `model` field, or (Gemini) the one the URL names. */
  readonly model: string;
  /**
   * The system prompt: OpenAI `system` and `developer` messages (joined by a
   * newline when there are several), Anthropic `system` (a string or text
   * blocks), Gemini `systemInstruction`. `undefined` when there is none.
   */
  readonly system: string | undefined;
  /** The conversation, in order, without the system prompt. */
  readonly messages: readonly ScriptedMessage[];
  /**
   * The text of the last `user` message (`""` when there is none). Tool
   * results are `tool` messages: after a tool call this is still the
   * question that led to it.
   */
  readonly lastUserText: string;
  /** The names of the tools offered (OpenAI functions and custom tools, Anthropic tools, Gemini function declarations). */
  readonly tools: readonly string[];
  /** The tool choice, when the request set one. */
  readonly toolChoice: ScriptedToolChoice | undefined;
  /**
   * Whether the request asked for a JSON answer: OpenAI `response_format` of
   * type `json_schema` or `json_object`; Anthropic `output_config.format`
   * (or the older top-level `output_format`) of type `json_schema`; Gemini
   * `generationConfig.responseMimeType: "application/json"`, or a
   * `responseJsonSchema` / `responseSchema`.
   */
  readonly wantsJson: boolean;
  /**
   * The schema the answer should follow, when one was given: OpenAI
   * `response_format.json_schema.schema`, Anthropic `format.schema`, Gemini
   * `responseJsonSchema` (else `responseSchema`, in Gemini's own schema form).
   */
  readonly jsonSchema: unknown;
  /** Whether the request asked for a stream. */
  readonly stream: boolean;
  /** The request body as received (parsed JSON), for anything the view leaves out. */
  readonly body: unknown;
}

/**
 * A script that answers each request: it gets the request's number for this
 * model since the last reset (1 for the first) and the request itself, and
 * returns what to do. A function of the attempt alone is one too. A script
 * that throws gets a 500 whose message names the error (the request log
 * entry's `error` too); it must not return a promise.
 */
export type FaultScript = (attempt: number, request: ScriptedRequest) => FaultStep;

/**
 * When a rule of {@link faults.byPrompt} applies: a `RegExp` tested on the
 * request's {@link ScriptedRequest.lastUserText} (its `g` and `y` flags are
 * ignored, so a test never depends on the one before), a string it contains
 * (case-sensitive), or a predicate of the whole request.
 */
export type PromptMatcher = RegExp | string | ((request: ScriptedRequest, attempt: number) => boolean);

/**
 * One rule of {@link faults.byPrompt}: when it applies, and the step to take
 * then. (Not `then`: an object with a `then` method would be a thenable,
 * which `await` calls.)
 */
export interface PromptRule {
  /** When the rule applies. */
  readonly when: PromptMatcher;
  /** The step to answer with, or a script that picks one. */
  readonly step: FaultStep | FaultScript;
}

/**
 * A script that answers each request by the first rule that applies to it,
 * and with `otherwise` when none does (a healthy answer by default). Built
 * by {@link faults.byPrompt}.
 */
export function scriptByPrompt(rules: readonly PromptRule[], otherwise: FaultStep | FaultScript = {}): FaultScript {
  const compiled = rules.map((rule, index) => ({ applies: matcherOf(rule.when, index), step: rule.step }));
  const run = (step: FaultStep | FaultScript, attempt: number, request: ScriptedRequest) =>
    typeof step === "function" ? step(attempt, request) : step;
  return (attempt, request) => {
    const rule = compiled.find(({ applies }) => applies(request, attempt));
    return run(rule ? rule.step : otherwise, attempt, request);
  };
}

function matcherOf(when: PromptMatcher, index: number): (request: ScriptedRequest, attempt: number) => boolean {
  if (typeof when === "string") return (request) => request.lastUserText.includes(when);
  if (when instanceof RegExp) {
    // Without `g` and `y`, `test` keeps no `lastIndex` between requests: the same prompt always matches.
    const pattern = new RegExp(when.source, when.flags.replace(/[gy]/g, ""));
    return (request) => pattern.test(request.lastUserText);
  }
  if (typeof when === "function") return when;
  throw new TypeError(`faults.byPrompt: rule ${index + 1}'s \`when\` must be a RegExp, a string or a function`);
}

// Reading wire bodies leniently, for the wire formats' parsers.

/** The value as a record, or `undefined` when it is not a (non-array) object. */
export function recordOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The value as an array, or an empty one. */
export function arrayOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The value when it is a string, else `undefined`. */
export function stringOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The first of these fields of a record that is present (camelCase and snake_case spellings of one field). */
export function fieldOf(record: Record<string, unknown> | undefined, ...names: readonly string[]): unknown {
  for (const name of names) if (record?.[name] !== undefined) return record[name];
  return undefined;
}

/** Texts joined by a newline, skipping absent ones. */
export function joinTexts(texts: readonly (string | undefined)[]): string {
  return texts.filter((text): text is string => text !== undefined).join("\n");
}

/** A value as text: a string as it is, anything else as JSON (`""` when it cannot be written). */
export function textOfValue(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
  }
}

/**
 * Builds a conversation turn by turn: the texts of one user turn become one
 * message, each tool result one of its own, in the order they came.
 */
export class Transcript {
  readonly messages: ScriptedMessage[] = [];
  private pending: string[] | undefined;
  private turnStart = 0;

  /** Adds a text of the current user turn. */
  userText(text: string): void {
    this.pending = [...(this.pending ?? []), text];
  }

  /** Adds a tool result to the current turn, after the user text before it. */
  toolResult(text: string): void {
    this.flush();
    this.messages.push({ role: "tool", text });
  }

  /**
   * Ends a user turn. A turn that added nothing (an image alone, no content)
   * is a user message without text.
   */
  endUserTurn(): void {
    this.flush();
    if (this.messages.length === this.turnStart) this.messages.push({ role: "user", text: "" });
    this.turnStart = this.messages.length;
  }

  /** Adds an assistant turn. */
  assistant(text: string): void {
    this.flush();
    this.messages.push({ role: "assistant", text });
    this.turnStart = this.messages.length;
  }

  private flush(): void {
    if (this.pending === undefined) return;
    this.messages.push({ role: "user", text: this.pending.join("\n") });
    this.pending = undefined;
  }
}

/** The text of the last user message, `""` when there is none. */
export function lastUserTextOf(messages: readonly ScriptedMessage[]): string {
  return messages.findLast((message) => message.role === "user")?.text ?? "";
}
