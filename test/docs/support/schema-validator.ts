/**
 * Compiles the documents' component schemas with ajv (strict mode: an unknown keyword or a bad
 * schema fails) and validates payloads against them. The documents refer to their schemas as
 * `#/components/schemas/<name>`; here each one is registered as `<name>.json`.
 */
import { Ajv, type AnySchemaObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';

const COMPONENT_REF = /^#\/components\/schemas\/([\w.-]+)$/;

function relink(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relink);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const match = key === '$ref' && typeof child === 'string' ? COMPONENT_REF.exec(child) : null;
    out[key] = match ? `${match[1]}.json` : relink(child);
  }
  return out;
}

export interface SchemaValidator {
  /** Validates `payload` against the component `name`; returns ajv's error text, or undefined. */
  check(name: string, payload: unknown): string | undefined;
  /** Validates against any of `names` (an ack is one of two shapes). */
  checkAny(names: readonly string[], payload: unknown): string | undefined;
}

/**
 * @param dialect `draft-07` for AsyncAPI's schema format, `2020-12` for OpenAPI 3.1
 * @example
 * const schemas = compileSchemas(doc.components.schemas, 'draft-07');
 * expect(schemas.check('Hello', hello)).toBeUndefined();
 */
export function compileSchemas(schemas: Record<string, unknown>, dialect: 'draft-07' | '2020-12'): SchemaValidator {
  // `type: [...]` is how zod writes a union of primitives: valid JSON Schema, allowed explicitly.
  const options = { strict: true, allErrors: true, allowUnionTypes: true };
  const ajv = dialect === 'draft-07' ? new Ajv(options) : new Ajv2020(options);
  for (const [name, schema] of Object.entries(schemas)) ajv.addSchema(relink(schema) as AnySchemaObject, `${name}.json`);
  const compiled = new Map<string, ValidateFunction>();
  for (const name of Object.keys(schemas)) {
    const validate = ajv.getSchema(`${name}.json`);
    if (!validate) throw new Error(`schema ${name} did not compile`);
    compiled.set(name, validate);
  }
  const check = (name: string, payload: unknown): string | undefined => {
    const validate = compiled.get(name);
    if (!validate) return `no schema named ${name}`;
    return validate(payload) ? undefined : `${name}: ${ajv.errorsText(validate.errors)}`;
  };
  return {
    check,
    checkAny(names, payload) {
      const errors = names.map((name) => check(name, payload));
      return errors.some((error) => error === undefined) ? undefined : errors.join('; ');
    },
  };
}
