import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { InputError } from '../error.ts';

// One compiler for every schema gatehouse reads with; schemas reference each
// other by $id, so they must share it.
const ajv = new Ajv2020({ allErrors: false, strictSchema: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

/** A compiled JSON Schema that narrows `unknown` to `T` or reports the first violation. */
export interface SchemaValidator<T> {
  readonly id: string;
  is(value: unknown): value is T;
  /** The first violation as "at /path: message", or undefined when valid. */
  problem(value: unknown): string | undefined;
  /** Throws an InputError naming `path` when `value` does not match. */
  assert(value: unknown, path: string, what: string): asserts value is T;
}

/** Registers a schema that others reference by $id (definitions only, nothing to validate against). */
export function addSchema(schema: { $id: string } & Record<string, unknown>): void {
  if (ajv.getSchema(schema.$id) === undefined) ajv.addSchema(schema);
}

/** Compiles `schema` once; registering the same $id twice returns the first compilation. */
export function compileSchema<T>(schema: { $id: string } & Record<string, unknown>): SchemaValidator<T> {
  const validate = (ajv.getSchema(schema.$id) ?? ajv.compile(schema)) as ValidateFunction<T>;
  const problem = (value: unknown): string | undefined =>
    validate(value) ? undefined : describeErrors(validate.errors ?? []);
  return {
    id: schema.$id,
    is: (value: unknown): value is T => validate(value),
    problem,
    assert(value: unknown, path: string, what: string): asserts value is T {
      const found = problem(value);
      if (found !== undefined) {
        throw new InputError({ code: 'SCHEMA_INVALID', message: `not a valid ${what}: ${found}`, path });
      }
    },
  };
}

function describeErrors(errors: ErrorObject[]): string {
  const first = errors[0];
  if (first === undefined) return 'invalid';
  const where = first.instancePath === '' ? 'document' : first.instancePath;
  const detail = first.keyword === 'const' || first.keyword === 'enum'
    ? `${first.message} (${JSON.stringify(first.params)})`
    : first.message;
  return `at ${where}: ${detail}`;
}
