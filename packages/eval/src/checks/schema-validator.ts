import { Ajv, type Options, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";

/** A JSON Schema, as tools and response formats carry it. */
export type JsonSchema = Readonly<Record<string, unknown>>;

// Not strict: schemas written for providers carry keywords Ajv does not know
// (`propertyOrdering`, `example`); formats are not validated (no ajv-formats).
const ajvOptions: Options = { strict: false, allErrors: true, validateFormats: false, logger: false };

// Each distinct schema is compiled by an Ajv of its own, so two schemas with the
// same `$id` never meet in one registry; the same schema (by its JSON) compiles once.
const byText = new Map<string, ValidateFunction>();
const byObject = new WeakMap<object, ValidateFunction>();
// Formats errors only: no schema is ever added to it.
const formatter = new Ajv(ajvOptions);

/** The Ajv for a schema's dialect: draft 2020-12 (zod 4 emits it), 2019-09, else draft-07. */
function ajvFor(schema: JsonSchema): Ajv {
  const dialect = typeof schema.$schema === "string" ? schema.$schema : "";
  if (dialect.includes("2020-12")) return new Ajv2020(ajvOptions);
  if (dialect.includes("2019-09")) return new Ajv2019(ajvOptions);
  return new Ajv(ajvOptions);
}

/**
 * Compiles `schema` (once per distinct schema). Throws a `TypeError` saying
 * why when it is not a schema Ajv can use.
 */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  const known = byObject.get(schema);
  if (known) return known;
  const text = JSON.stringify(schema);
  let validate = byText.get(text);
  if (!validate) {
    try {
      validate = ajvFor(schema).compile(schema);
    } catch (error) {
      throw new TypeError(`is not a valid JSON Schema (${error instanceof Error ? error.message : String(error)})`);
    }
    byText.set(text, validate);
  }
  byObject.set(schema, validate);
  return validate;
}

/** Why `value` does not follow `schema` (Ajv's words, `/path must …`), or undefined when it does. */
export function schemaProblem(schema: JsonSchema, value: unknown): string | undefined {
  const validate = compileSchema(schema);
  if (validate(value)) return undefined;
  return formatter.errorsText(validate.errors, { dataVar: "answer", separator: "; " });
}
