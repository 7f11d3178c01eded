import type { ChatMessage, ChatRequest, ToolDefinition } from "@understudy/core";
import fc from "fast-check";
import type { KnownIssue } from "../harness/known-issues.ts";
import { define, show, unserialisable } from "./built-value.ts";

/** What the engine must do with a generated input: refuse it, run it, or either. */
export type Verdict =
  | { readonly must: "refuse"; readonly known?: KnownIssue }
  | { readonly must: "run" }
  | { readonly must: "either" };

/** A generated request or call options, with the verdict it deserves and why. */
export interface Judged<T> {
  readonly value: T;
  readonly verdict: Verdict;
  /** What was done to it, for the report. */
  readonly note: string;
}

const word = fc.constantFrom("alpha", "beta", "gamma", "delta", "moon", "tea", "river", "seven");
const text = fc.array(word, { minLength: 1, maxLength: 6 }).map((words) => words.join(" "));
const toolName = fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/);

const tool: fc.Arbitrary<ToolDefinition> = fc.record(
  {
    name: toolName,
    description: text,
    inputSchema: fc.constant({ type: "object", properties: { city: { type: "string" } } }),
  },
  { requiredKeys: ["name", "inputSchema"] },
);

const userMessage: fc.Arbitrary<ChatMessage> = fc.oneof(
  text.map((content) => ({ role: "user" as const, content })),
  text.map((content) => ({ role: "user" as const, content: [{ type: "text" as const, text: content }] })),
);

/** A conversation: user first, then optionally an assistant turn and another user turn. */
const messages: fc.Arbitrary<ChatMessage[]> = fc.oneof(
  userMessage.map((m) => [m]),
  fc
    .tuple(userMessage, text, userMessage)
    .map(([first, answer, second]) => [first, { role: "assistant" as const, content: answer }, second]),
);

/** A request any chain of OpenAI and Anthropic models can take. */
export const validRequest: fc.Arbitrary<ChatRequest> = fc
  .record(
    {
      system: text,
      messages,
      tools: fc.uniqueArray(tool, { maxLength: 2, selector: (t) => t.name }),
      toolChoice: fc.constantFrom("auto" as const, "none" as const),
      maxTokens: fc.integer({ min: 1, max: 4_096 }),
      temperature: fc.double({ min: 0, max: 1, noNaN: true }),
      topP: fc.double({ min: 0, max: 1, noNaN: true }),
      stopSequences: fc.constant(["\n\n"]),
      responseFormat: fc.oneof(
        fc.constant({ type: "text" as const }),
        fc.constant({ type: "json" as const }),
        fc.constant({ type: "json" as const, schema: { type: "object", properties: { a: { type: "string" } } }, name: "answer" }),
      ),
      providerOptions: fc.constant({ openai: { user: "chaos" }, anthropic: { metadata: { user_id: "chaos" } } }),
    },
    { requiredKeys: ["messages"] },
  )
  .map((request) => {
    // A tool choice needs tools; an empty tool list is left out.
    const { tools, toolChoice, ...rest } = request;
    if (!tools || tools.length === 0) return rest;
    return { ...rest, tools, ...(toolChoice === undefined ? {} : { toolChoice }) };
  });

type Mutation = (request: ChatRequest) => { value: unknown; verdict: Verdict; note: string };

const refuse = (known?: KnownIssue): Verdict => (known === undefined ? { must: "refuse" } : { must: "refuse", known });

/** Ways to break a valid request, each with the verdict it deserves. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("max_tokens", "temprature", "stream", "model", "n", "top_p", "system_prompt"),
      fc.jsonValue({ maxDepth: 1 }),
    )
    .map(
      ([key, value]): Mutation =>
        (request) => {
          const copy: Record<string, unknown> = { ...request };
          define(copy, key, value);
          return { value: copy, verdict: refuse("unknown-request-keys"), note: `unknown key ${key} = ${show(value)}` };
        },
    ),
  fc.constantFrom("name", "cache_control", "id").map(
    (key): Mutation =>
      (request) => {
        const messages = request.messages.map((m, i) => (i === 0 ? { ...m, [key]: "x" } : m));
        return { value: { ...request, messages }, verdict: refuse("unknown-request-keys"), note: `unknown message key ${key}` };
      },
  ),
  fc.tuple(unserialisable, fc.constantFrom("tool", "providerOptions", "schema")).map(
    ([bad, where]): Mutation =>
      (request) => {
        const note = `unserialisable ${where}`;
        if (where === "tool")
          return {
            value: { ...request, tools: [{ name: "t", inputSchema: bad }] },
            verdict: refuse("unserialisable-request"),
            note,
          };
        if (where === "providerOptions")
          return {
            value: { ...request, providerOptions: { openai: { extra: bad }, anthropic: { extra: bad } } },
            verdict: refuse("unserialisable-request"),
            note,
          };
        return {
          value: { ...request, responseFormat: { type: "json", schema: bad } },
          verdict: refuse("unserialisable-request"),
          note,
        };
      },
  ),
  fc.constantFrom<unknown>(0, -1, 1.5, Number.NaN, "100", Number.POSITIVE_INFINITY, null).map(
    (maxTokens): Mutation =>
      (request) => ({
        value: { ...request, maxTokens },
        verdict: refuse(),
        note: `maxTokens ${show(maxTokens)}`,
      }),
  ),
  fc.constantFrom<unknown>(-0.1, 2.5, Number.NaN, "0.5", Number.POSITIVE_INFINITY).map(
    (temperature): Mutation =>
      (request) => ({
        value: { ...request, temperature },
        verdict: refuse(),
        note: `temperature ${show(temperature)}`,
      }),
  ),
  fc
    .constantFrom<unknown>(
      [],
      "hi",
      [{ role: "system", content: "x" }],
      [{ role: "user" }],
      [{ role: "user", content: 5 }],
      [null],
    )
    .map(
      (bad): Mutation =>
        (request) => ({ value: { ...request, messages: bad }, verdict: refuse(), note: `messages ${show(bad)}` }),
    ),
  fc.constant<Mutation>((request) => ({
    value: {
      ...request,
      messages: [
        ...request.messages,
        { role: "tool", content: [{ type: "tool-result", toolCallId: "nope", toolName: "t", result: 1 }] },
      ],
    },
    verdict: refuse(),
    note: "a tool result answering no call",
  })),
  fc.constantFrom<unknown>(null, "hi", [], 42, undefined).map(
    (bad): Mutation =>
      () => ({ value: bad, verdict: refuse(), note: `request ${show(bad)}` }),
  ),
  fc.constantFrom<unknown>([""], "\n", [1]).map(
    (stop): Mutation =>
      (request) => ({
        value: { ...request, stopSequences: stop },
        verdict: refuse(),
        note: `stopSequences ${show(stop)}`,
      }),
  ),
  fc.constant<Mutation>((request) => {
    const { tools: _tools, ...rest } = request;
    return { value: { ...rest, toolChoice: "required" }, verdict: refuse(), note: "toolChoice required without tools" };
  }),
  fc.constant<Mutation>((request) => ({
    value: { ...request, tools: [{ name: "has space", inputSchema: { type: "object" } }] },
    verdict: refuse(),
    note: "tool name with a space",
  })),
);

/** Valid requests, and as often broken ones, judged. */
export const judgedRequest: fc.Arbitrary<Judged<unknown>> = fc.oneof(
  validRequest.map((value): Judged<unknown> => ({ value, verdict: { must: "run" }, note: "valid" })),
  fc.tuple(validRequest, mutation).map(([request, mutate]) => mutate(request)),
);

/** Call options, valid and hostile, judged. `chainIds` are the ids a call may name. */
export function judgedOptions(chainIds: readonly string[]): fc.Arbitrary<Judged<unknown> & { readonly pass: boolean }> {
  const ok = (value: unknown, note: string) => ({ value, verdict: { must: "run" } as Verdict, note, pass: true });
  const bad = (value: unknown, note: string, known: KnownIssue = "call-options-unchecked") => ({
    value,
    verdict: refuse(known),
    note,
    pass: true,
  });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constant({ value: undefined, verdict: { must: "run" } as Verdict, note: "no options", pass: false }),
    },
    {
      weight: 6,
      arbitrary: fc.oneof(
        fc.constant(ok({}, "{}")),
        fc.integer({ min: 1_000, max: 5_000 }).map((deadlineMs) => ok({ deadlineMs }, `deadlineMs ${deadlineMs}`)),
        fc.constantFrom("error", "restart", "continue").map((midStream) => ok({ midStream }, `midStream ${midStream}`)),
        fc.subarray([...chainIds], { minLength: 1 }).map((models) => ok({ models }, `models ${models.join(",")}`)),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(Number.POSITIVE_INFINITY, 2 ** 31, 3e9, 1e21).map((deadlineMs) => ({
        value: { deadlineMs },
        verdict: { must: "either" } as Verdict,
        note: `deadlineMs ${show(deadlineMs)}`,
        pass: true,
      })),
    },
    {
      weight: 4,
      arbitrary: fc.oneof(
        fc.constant(bad(null, "options null")),
        fc
          .constantFrom<unknown>({}, "signal", 1, { aborted: false })
          .map((signal) => bad({ signal }, `signal ${show(signal)}`, "result-never-settles")),
        fc
          .constantFrom<unknown>("100", -1, 0, Number.NaN, null, -Infinity)
          .map((deadlineMs) => bad({ deadlineMs }, `deadlineMs ${show(deadlineMs)}`)),
        fc.constantFrom<unknown>("bogus", "", 1, null).map((midStream) => bad({ midStream }, `midStream ${show(midStream)}`)),
        fc.constantFrom<unknown>([], ["nope"], "m0", [1]).map((models) => bad({ models }, `models ${show(models)}`)),
        fc.constantFrom("timeout", "deadline", "retries", "maxTokens").map((key) => bad({ [key]: 5 }, `unknown option ${key}`)),
      ),
    },
  );
}
