import type { Check } from "./check.ts";
import { compileOrThrow } from "./json-schema.ts";
import { type JsonSchema, schemaProblem } from "./schema-validator.ts";

/**
 * Passes when the answer calls the tool `name` with arguments that parse and,
 * given `argsSchema`, follow it. Without a schema it uses the tool's own
 * `inputSchema` from the request, when the request defines the tool. Throws a
 * `TypeError` when `argsSchema` is not a valid JSON Schema.
 */
export function toolCall(name: string, argsSchema?: JsonSchema, options: { readonly name?: string } = {}): Check {
  if (argsSchema !== undefined) compileOrThrow(argsSchema, "checks.toolCall");
  return {
    name: options.name ?? `tool-call:${name}`,
    run: (answer, { prompt }) => {
      const calls = answer.toolCalls.filter((call) => call.name === name);
      if (calls.length === 0) {
        const made = answer.toolCalls.map((call) => call.name);
        return { pass: false, reason: made.length > 0 ? `called ${made.join(", ")}, not ${name}` : `no call of ${name}` };
      }
      const schema = argsSchema ?? prompt.request.tools?.find((tool) => tool.name === name)?.inputSchema;
      const problems: string[] = [];
      for (const call of calls) {
        if (call.args === undefined) {
          problems.push(`its arguments are not JSON: ${JSON.stringify(call.argsText.slice(0, 40))}`);
          continue;
        }
        const problem = schema && schemaProblem(schema, call.args);
        if (!problem) return { pass: true, reason: `called ${name}` };
        problems.push(problem);
      }
      return { pass: false, reason: `called ${name}, but ${problems.join("; ")}` };
    },
  };
}
