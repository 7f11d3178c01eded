import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import {
  type ChatMessage,
  type ChatRequest,
  isRequestError,
  type ResponseFormat,
  type ToolChoice,
  type ToolDefinition,
  validateRequest,
} from "@understudy/core";
import { agreesWithPrimary } from "../checks/agrees-with-primary.ts";
import type { Check } from "../checks/check.ts";
import { jsonSchema } from "../checks/json-schema.ts";
import { compileSchema } from "../checks/schema-validator.ts";
import { contains, notContains, regex } from "../checks/text-checks.ts";
import { toolCall } from "../checks/tool-call.ts";
import type { EvalPrompt } from "./eval-prompt.ts";
import { EvalSuiteError } from "./eval-suite-error.ts";

const promptKeys = [
  "id",
  "prompt",
  "messages",
  "system",
  "tools",
  "toolChoice",
  "responseFormat",
  "jsonSchema",
  "maxTokens",
  "temperature",
  "checks",
];

type Fields = Record<string, unknown>;

/** Thrown inside the parser with the field at fault; turned into an `EvalSuiteError` naming the line. */
class LineProblem extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/**
 * Reads a prompt set from a JSONL file: one prompt per line (blank lines are
 * skipped), as `{ "id", "prompt" | "messages", "system"?, "tools"?,
 * "toolChoice"?, "responseFormat"? | "jsonSchema"?, "maxTokens"?,
 * "temperature"?, "checks"? }`. `prompt` is one user message; `jsonSchema`
 * is short for `"responseFormat": { "type": "json", "schema": … }`. Checks
 * are `{ "type": "contains" | "not-contains", "value", "caseSensitive"? }`,
 * `{ "type": "regex", "pattern", "flags"? }`, `{ "type": "json-schema",
 * "schema"? }`, `{ "type": "tool-call", "name", "args"? }` (a schema of the
 * arguments) and `{ "type": "agrees-with-primary", "min"? }`.
 *
 * Each request is checked as the chain checks it before a call (core's
 * `validateRequest`), and each JSON Schema a check uses is compiled, so a
 * prompt no model could be sent fails here, not in the run.
 *
 * Rejects with an `EvalSuiteError` (code `prompt-file`) naming the line and the
 * field at fault, or that the file cannot be read.
 */
export async function loadPrompts(path: string | URL): Promise<EvalPrompt[]> {
  const file = typeof path === "string" ? path : fileURLToPath(path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const why = (error as { code?: string }).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new EvalSuiteError("prompt-file", `${file}: cannot read the prompt set (${why})`);
  }
  return parsePrompts(text, file);
}

/** Parses JSONL prompt text (see {@link loadPrompts}); `source` names the file in errors. */
export function parsePrompts(text: string, source = "prompts"): EvalPrompt[] {
  const prompts: EvalPrompt[] = [];
  const ids = new Map<string, number>();
  // A byte-order mark (an editor's on Windows) is not part of the first line.
  const lines = (text.startsWith("\uFEFF") ? text.slice(1) : text).split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (raw.trim() === "") continue;
    const fail = (field: string | undefined, message: string): never => {
      throw new EvalSuiteError("prompt-file", `${source}:${line}: ${field ? `${field} ` : ""}${message}`, {
        line,
        ...(field ? { field } : {}),
      });
    };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      fail(undefined, `is not JSON (${(error as Error).message})`);
    }
    try {
      const prompt = promptOf(value);
      try {
        validateRequest(prompt.request);
      } catch (error) {
        if (!isRequestError(error)) throw error;
        // The chain would refuse this request before any call: say so now, with the prompt's id.
        const field = error.path.replace(/^request\.?/, "");
        throw new EvalSuiteError("prompt-file", `${source}:${line}: prompt "${prompt.id}": ${error.message}`, {
          line,
          ...(field ? { field } : {}),
        });
      }
      const earlier = ids.get(prompt.id);
      if (earlier !== undefined) fail("id", `repeats "${prompt.id}" of line ${earlier}: ids must be unique`);
      ids.set(prompt.id, line);
      prompts.push(prompt);
    } catch (error) {
      if (error instanceof LineProblem) fail(error.field, error.message);
      throw error;
    }
  }
  if (prompts.length === 0) throw new EvalSuiteError("prompt-file", `${source}: has no prompt (one JSON object per line)`);
  return prompts;
}

function promptOf(value: unknown): EvalPrompt {
  if (!isObject(value)) throw new LineProblem("", "must be a JSON object");
  for (const key of Object.keys(value)) {
    if (!promptKeys.includes(key)) throw new LineProblem(key, `is not a prompt field (use: ${promptKeys.join(", ")})`);
  }
  const id = value.id;
  if (typeof id !== "string" || id === "") throw new LineProblem("id", "must be a non-empty string");
  const request: ChatRequest = {
    ...(value.system === undefined ? {} : { system: stringField(value, "system") }),
    messages: messagesOf(value),
    ...(value.tools === undefined ? {} : { tools: toolsOf(value.tools) }),
    ...(value.toolChoice === undefined ? {} : { toolChoice: value.toolChoice as ToolChoice }),
    ...responseFormatOf(value),
    ...(value.maxTokens === undefined ? {} : { maxTokens: numberField(value, "maxTokens") }),
    ...(value.temperature === undefined ? {} : { temperature: numberField(value, "temperature") }),
  };
  const checks = value.checks === undefined ? [] : checksOf(value.checks);
  compileRequestSchemas(value, request);
  return { id, request, ...(checks.length > 0 ? { checks } : {}) };
}

/** Compiles the schemas the checks fall back on (the response format's, the tools' input schemas): a bad one fails here. */
function compileRequestSchemas(value: Fields, request: ChatRequest): void {
  const checks = Array.isArray(value.checks) ? (value.checks as Fields[]) : [];
  const format = request.responseFormat;
  if (format?.type === "json" && format.schema && checks.some((check) => check.type === "json-schema" && !check.schema)) {
    compiled(format.schema, value.jsonSchema === undefined ? "responseFormat.schema" : "jsonSchema");
  }
  for (const [index, tool] of (request.tools ?? []).entries()) {
    if (checks.some((check) => check.type === "tool-call" && check.name === tool.name && !check.args)) {
      compiled(tool.inputSchema, `tools[${index}].inputSchema`);
    }
  }
}

function compiled(schema: Readonly<Record<string, unknown>>, field: string): Readonly<Record<string, unknown>> {
  try {
    compileSchema(schema);
  } catch (error) {
    throw new LineProblem(field, (error as Error).message);
  }
  return schema;
}

function messagesOf(value: Fields): ChatMessage[] {
  if (value.prompt !== undefined && value.messages !== undefined) {
    throw new LineProblem("prompt", 'and "messages" both given: give one');
  }
  if (value.prompt !== undefined) return [{ role: "user", content: stringField(value, "prompt") }];
  const { messages } = value;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new LineProblem("prompt", 'is missing: give "prompt" (a string) or "messages" (a non-empty array)');
  }
  for (const [index, message] of messages.entries()) {
    const roles = ["user", "assistant", "tool"];
    if (!isObject(message) || !roles.includes(message.role as string)) {
      throw new LineProblem(`messages[${index}].role`, `must be one of ${roles.join(", ")}`);
    }
    if (typeof message.content !== "string" && !Array.isArray(message.content)) {
      throw new LineProblem(`messages[${index}].content`, "must be a string or an array of parts");
    }
  }
  return messages as ChatMessage[];
}

function toolsOf(tools: unknown): ToolDefinition[] {
  if (!Array.isArray(tools)) throw new LineProblem("tools", "must be an array");
  for (const [index, tool] of tools.entries()) {
    if (!isObject(tool) || typeof tool.name !== "string") throw new LineProblem(`tools[${index}].name`, "must be a string");
    if (!isObject(tool.inputSchema)) throw new LineProblem(`tools[${index}].inputSchema`, "must be a JSON Schema object");
  }
  return tools as ToolDefinition[];
}

function responseFormatOf(value: Fields): { responseFormat?: ResponseFormat } {
  if (value.jsonSchema !== undefined) {
    if (value.responseFormat !== undefined) throw new LineProblem("jsonSchema", 'and "responseFormat" both given: give one');
    if (!isObject(value.jsonSchema)) throw new LineProblem("jsonSchema", "must be a JSON Schema object");
    return { responseFormat: { type: "json", schema: value.jsonSchema } };
  }
  if (value.responseFormat === undefined) return {};
  const format = value.responseFormat;
  if (!isObject(format) || (format.type !== "json" && format.type !== "text")) {
    throw new LineProblem("responseFormat.type", 'must be "json" or "text"');
  }
  if (format.schema !== undefined && !isObject(format.schema)) {
    throw new LineProblem("responseFormat.schema", "must be a JSON Schema object");
  }
  return { responseFormat: format as ResponseFormat };
}

/** Each check type's fields. */
const checkKeys: Readonly<Record<string, readonly string[]>> = {
  contains: ["type", "value", "caseSensitive"],
  "not-contains": ["type", "value", "caseSensitive"],
  regex: ["type", "pattern", "flags"],
  "json-schema": ["type", "schema"],
  "tool-call": ["type", "name", "args"],
  "agrees-with-primary": ["type", "min"],
};
const checkTypes = Object.keys(checkKeys);

function checksOf(value: unknown): Check[] {
  if (!Array.isArray(value)) throw new LineProblem("checks", "must be an array");
  return value.map((check, index) => {
    const at = `checks[${index}]`;
    if (!isObject(check) || !checkTypes.includes(check.type as string)) {
      throw new LineProblem(`${at}.type`, `must be one of ${checkTypes.join(", ")}`);
    }
    const known = checkKeys[check.type as string] ?? [];
    for (const key of Object.keys(check)) {
      if (!known.includes(key))
        throw new LineProblem(`${at}.${key}`, `is not a field of a ${check.type} check (use: ${known.join(", ")})`);
    }
    if (check.caseSensitive !== undefined && typeof check.caseSensitive !== "boolean") {
      throw new LineProblem(`${at}.caseSensitive`, "must be true or false");
    }
    const text = (key: string): string => {
      if (typeof check[key] !== "string" || check[key] === "")
        throw new LineProblem(`${at}.${key}`, "must be a non-empty string");
      return check[key] as string;
    };
    const schema = (key: string): Readonly<Record<string, unknown>> | undefined => {
      if (check[key] === undefined) return undefined;
      if (!isObject(check[key])) throw new LineProblem(`${at}.${key}`, "must be a JSON Schema object");
      return compiled(check[key] as Record<string, unknown>, `${at}.${key}`);
    };
    const caseSensitive = { caseSensitive: check.caseSensitive === true };
    switch (check.type) {
      case "contains":
        return contains(text("value"), caseSensitive);
      case "not-contains":
        return notContains(text("value"), caseSensitive);
      case "regex": {
        const pattern = text("pattern");
        const flags = check.flags === undefined ? undefined : text("flags");
        try {
          return regex(new RegExp(pattern, flags));
        } catch (error) {
          throw new LineProblem(`${at}.pattern`, `is not a regular expression (${(error as Error).message})`);
        }
      }
      case "json-schema":
        return jsonSchema(schema("schema"));
      case "tool-call":
        return toolCall(text("name"), schema("args"));
      default: {
        const min = check.min;
        if (min !== undefined && !(typeof min === "number" && min >= 0 && min <= 1)) {
          throw new LineProblem(`${at}.min`, "must be a number from 0 to 1");
        }
        return agreesWithPrimary(min === undefined ? {} : { min });
      }
    }
  });
}

function stringField(value: Fields, key: string): string {
  if (typeof value[key] !== "string") throw new LineProblem(key, "must be a string");
  return value[key] as string;
}

function numberField(value: Fields, key: string): number {
  if (typeof value[key] !== "number" || !Number.isFinite(value[key])) throw new LineProblem(key, "must be a number");
  return value[key] as number;
}

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
