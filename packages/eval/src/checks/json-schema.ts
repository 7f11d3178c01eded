import type { Check } from "./check.ts";
import { compileSchema, type JsonSchema, schemaProblem } from "./schema-validator.ts";

/**
 * Passes when the answer's whole text parses as JSON and follows `schema`
 * (JSON Schema draft-07, validated by Ajv). Without a schema it uses the
 * prompt's `responseFormat` schema, and without one only asks for JSON. The
 * text must be JSON as it is: an answer wrapped in a Markdown fence fails, as
 * it would fail the `JSON.parse` of the app it feeds. A schema declaring
 * `"$schema"` draft 2020-12 or 2019-09 is validated as that draft. Throws a
 * `TypeError` when `schema` is not a valid JSON Schema.
 */
export function jsonSchema(schema?: JsonSchema, options: { readonly name?: string } = {}): Check {
  if (schema !== undefined) compileOrThrow(schema, "checks.jsonSchema");
  return {
    name: options.name ?? "json-schema",
    run: (answer, { prompt }) => {
      const format = prompt.request.responseFormat;
      const expected = schema ?? (format?.type === "json" ? format.schema : undefined);
      let value: unknown;
      try {
        value = JSON.parse(answer.text);
      } catch {
        return { pass: false, reason: `the answer is not JSON (it starts ${JSON.stringify(answer.text.slice(0, 24))})` };
      }
      if (!expected) return { pass: true, reason: "the answer is JSON" };
      const problem = schemaProblem(expected, value);
      return problem ? { pass: false, reason: problem } : { pass: true, reason: "the answer follows the schema" };
    },
  };
}

/** Compiles `schema` now, so a schema Ajv cannot use is an error of the config, not of every answer. */
export function compileOrThrow(schema: JsonSchema, where: string): void {
  try {
    compileSchema(schema);
  } catch (error) {
    throw new TypeError(`${where}: the schema ${error instanceof Error ? error.message : String(error)}`);
  }
}
