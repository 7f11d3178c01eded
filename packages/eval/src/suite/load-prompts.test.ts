import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isEvalSuiteError } from "./eval-suite-error.ts";
import { loadPrompts, parsePrompts } from "./load-prompts.ts";

function failureOf(text: string) {
  try {
    parsePrompts(text, "set.jsonl");
  } catch (error) {
    if (isEvalSuiteError(error)) return { message: error.message, line: error.line, field: error.field, code: error.code };
    throw error;
  }
  throw new Error("parsed");
}

describe("loadPrompts", () => {
  it("maps each line onto a ChatRequest, with its checks", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eval-prompts-"));
    const file = join(dir, "set.jsonl");
    const lines = [
      { id: "a", prompt: "Hi", system: "Be brief.", maxTokens: 50, checks: [{ type: "contains", value: "hello" }] },
      {
        id: "b",
        messages: [{ role: "user", content: "Extract" }],
        jsonSchema: { type: "object" },
        checks: [{ type: "json-schema" }, { type: "regex", pattern: "^\\{", flags: "i" }],
      },
      {
        id: "c",
        prompt: "Weather?",
        tools: [{ name: "get_weather", inputSchema: { type: "object" } }],
        toolChoice: "required",
        checks: [
          { type: "tool-call", name: "get_weather", args: { type: "object" } },
          { type: "agrees-with-primary", min: 0.4 },
        ],
      },
    ];
    await writeFile(file, `${lines.map((line) => JSON.stringify(line)).join("\n")}\n\n`);
    const prompts = await loadPrompts(file);
    expect(prompts.map((prompt) => prompt.id)).toEqual(["a", "b", "c"]);
    expect(prompts[0]?.request).toEqual({ system: "Be brief.", messages: [{ role: "user", content: "Hi" }], maxTokens: 50 });
    expect(prompts[1]?.request.responseFormat).toEqual({ type: "json", schema: { type: "object" } });
    expect(prompts[2]?.request.toolChoice).toBe("required");
    expect(prompts.map((prompt) => prompt.checks?.map((check) => check.name))).toEqual([
      ["contains:hello"],
      ["json-schema", "regex:^\\{"],
      ["tool-call:get_weather", "agrees-with-primary"],
    ]);
  });

  it("names the line and the field of a bad prompt", () => {
    const good = '{"id": "a", "prompt": "Hi"}';
    expect(failureOf(`${good}\n{"id": "b", "prompt": 5}`)).toEqual({
      code: "prompt-file",
      line: 2,
      field: "prompt",
      message: "set.jsonl:2: prompt must be a string",
    });
    expect(failureOf(`${good}\n\n{"id": "c"`)).toMatchObject({
      line: 3,
      message: expect.stringMatching(/^set\.jsonl:3: is not JSON/),
    });
    expect(failureOf('{"id": "a", "prompt": "x", "checks": [{"type": "regex", "pattern": "("}]}')).toMatchObject({
      line: 1,
      field: "checks[0].pattern",
    });
    expect(failureOf('{"id": "a", "prompt": "x", "checks": [{"type": "equals"}]}')).toMatchObject({ field: "checks[0].type" });
    expect(failureOf('{"id": "a", "promt": "x"}')).toMatchObject({ field: "promt" });
    expect(failureOf('{"id": "a"}')).toMatchObject({ field: "prompt" });
    expect(failureOf(`${good}\n${good}`)).toMatchObject({ line: 2, field: "id", message: expect.stringContaining("of line 1") });
    expect(failureOf("\n")).toMatchObject({ code: "prompt-file", message: expect.stringContaining("has no prompt") });
  });

  it("refuses a request the chain would refuse, naming the line and the prompt", () => {
    const cases: [string, string][] = [
      ['{"id": "frac", "prompt": "x", "maxTokens": 1.5}', "maxTokens"],
      ['{"id": "neg", "prompt": "x", "maxTokens": -100}', "maxTokens"],
      ['{"id": "hot", "prompt": "x", "temperature": -7}', "temperature"],
      ['{"id": "choice", "prompt": "x", "toolChoice": "required"}', "toolChoice"],
      ['{"id": "part", "messages": [{"role": "user", "content": [{"type": "txt", "text": "x"}]}]}', "messages[0].content[0]"],
      ['{"id": "tool", "messages": [{"role": "tool", "content": "42"}]}', "messages[0]"],
    ];
    for (const [line, field] of cases) {
      const id = (JSON.parse(line) as { id: string }).id;
      const failure = failureOf(`{"id": "fine", "prompt": "hi"}\n${line}`);
      expect(failure, line).toMatchObject({
        code: "prompt-file",
        line: 2,
        message: expect.stringMatching(`^set\\.jsonl:2: prompt "${id}": request\\.`),
      });
      expect(failure.field, line).toMatch(new RegExp(`^${field.replace(/[[\]]/g, "\\$&")}`));
    }
  });

  it("refuses a check field it does not know, naming it", () => {
    expect(
      failureOf('{"id": "a", "prompt": "x", "checks": [{"type": "contains", "value": "Paris", "case": true}]}'),
    ).toMatchObject({
      field: "checks[0].case",
      message: expect.stringContaining("is not a field of a contains check (use: type, value, caseSensitive)"),
    });
    expect(failureOf('{"id": "a", "prompt": "x", "checks": [{"type": "tool-call", "name": "f", "schema": {}}]}')).toMatchObject({
      field: "checks[0].schema",
    });
  });

  it("refuses a JSON Schema Ajv cannot use, the check's own or the one it falls back on", () => {
    expect(
      failureOf('{"id": "a", "prompt": "x", "checks": [{"type": "json-schema", "schema": {"type": "strng"}}]}'),
    ).toMatchObject({
      field: "checks[0].schema",
      message: expect.stringContaining("is not a valid JSON Schema"),
    });
    expect(
      failureOf('{"id": "a", "prompt": "x", "jsonSchema": {"type": "strng"}, "checks": [{"type": "json-schema"}]}'),
    ).toMatchObject({
      field: "jsonSchema",
    });
    const tools = '"tools": [{"name": "f", "inputSchema": {"type": "object", "required": "city"}}]';
    expect(failureOf(`{"id": "a", "prompt": "x", ${tools}, "checks": [{"type": "tool-call", "name": "f"}]}`)).toMatchObject({
      field: "tools[0].inputSchema",
    });
  });

  it("reads a file that starts with a byte-order mark; a missing file is a prompt-file error", async () => {
    expect(parsePrompts('\uFEFF{"id": "a", "prompt": "hi"}\n').map((prompt) => prompt.id)).toEqual(["a"]);
    const error = await loadPrompts(join(tmpdir(), "no-such-prompts.jsonl")).catch((failure: unknown) => failure);
    expect(isEvalSuiteError(error) && error.code).toBe("prompt-file");
  });
});
