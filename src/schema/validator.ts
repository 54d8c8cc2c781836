import { createRequire } from 'node:module';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { canonicalJSON } from '../canonical/json.ts';
import { sha256Hex } from '../digest/sha256.ts';
import { InputError } from '../error.ts';

const require = createRequire(import.meta.url);

// One compiler for every schema gatehouse reads with (schemas reference each
// other by $id, so they must share it), loaded on first use: a command that
// validates nothing does not pay for it.
let shared: Ajv2020 | undefined;
function compiler(): Ajv2020 {
  if (shared === undefined) {
    const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    const addFormats = require('ajv-formats') as (ajv: Ajv2020) => Ajv2020;
    shared = new Ajv({ ...COMPILER_OPTIONS });
    addFormats(shared);
    for (const schema of referenced) shared.addSchema(schema);
  }
  return shared;
}

const referenced: Array<{ $id: string } & Record<string, unknown>> = [];

// Every schema a validator was made for, by $id: what the build precompiles.
const known = new Map<string, { $id: string } & Record<string, unknown>>();

/** The options every compiler of gatehouse's schemas uses: the runtime one and the build's precompiler. */
export const COMPILER_OPTIONS = { allErrors: false, strictSchema: true, strictTypes: false, strictRequired: false, allowUnionTypes: true } as const;

/** Every schema registered so far: those others reference, and those validators were made for (for the build's precompiler). */
export function knownSchemas(): { referenced: ReadonlyArray<{ $id: string } & Record<string, unknown>>; validated: ReadonlyArray<{ $id: string } & Record<string, unknown>> } {
  return { referenced, validated: [...known.values()] };
}

/**
 * The digest that ties a precompiled validator to the exact schemas it was
 * made from: the schema and every schema it references, transitively (a
 * changed shared definition makes the inlined code stale too). A reference to
 * a schema not registered here digests as missing, so it never matches.
 */
export function schemaDigest(schema: { $id: string } & Record<string, unknown>): string {
  const parts: unknown[] = [];
  const seen = new Set<string>();
  const visit = (current: { $id: string } & Record<string, unknown>) => {
    if (seen.has(current.$id)) return;
    seen.add(current.$id);
    parts.push(current);
    for (const ref of references(current)) {
      const id = new URL(ref, current.$id).href.replace(/#.*$/, '');
      const target = referenced.find((candidate) => candidate.$id === id) ?? known.get(id);
      if (target === undefined) parts.push({ missing: id });
      else visit(target);
    }
  };
  visit(schema);
  return sha256Hex(canonicalJSON(parts));
}

// Every $ref in a schema that names another document (not a local #fragment).
function references(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) references(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string' && !item.startsWith('#')) found.push(item);
      else references(item, found);
    }
  }
  return found;
}

/** The file, in the build's precompiled/ folder, of the validator for the schema with this $id. */
export function precompiledModuleName(id: string): string {
  return `${sha256Hex(id).slice(0, 32)}.cjs`;
}

/** A precompiled validator module: the validator and the digest of the schemas it was made from. */
export interface PrecompiledValidatorModule {
  validate: ValidateFunction;
  digest: string;
}

// Modules a build carries inside itself (the single executable), by name.
let carried: Readonly<Record<string, PrecompiledValidatorModule>> | undefined;

/** Hands over the precompiled validator modules a build carries inside itself (by precompiledModuleName), to use instead of files beside the code. */
export function registerPrecompiledValidators(modules: Readonly<Record<string, PrecompiledValidatorModule>>): void {
  carried = modules;
}

// A validator the build precompiled (dist/src/schema/precompiled/, one module
// per schema), loaded on first use: a command that validates then never loads
// the Ajv compiler, nor the code of schemas it does not use. In the sources
// there are none, and every schema is compiled at run time.
function precompiledValidator<T>(schema: { $id: string } & Record<string, unknown>): ValidateFunction<T> | undefined {
  const name = precompiledModuleName(schema.$id);
  let module = carried?.[name];
  if (module === undefined) {
    try {
      module = require(`./precompiled/${name}`) as PrecompiledValidatorModule;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
      return undefined;
    }
  }
  // A schema changed since the build (or another with the same $id) is compiled afresh, never run on stale code.
  return module.digest === schemaDigest(schema) ? (module.validate as ValidateFunction<T>) : undefined;
}

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
  if (referenced.some((known) => known.$id === schema.$id)) return;
  referenced.push(schema);
  if (shared !== undefined && shared.getSchema(schema.$id) === undefined) shared.addSchema(schema);
}

/**
 * A validator for `schema`, compiled on first use (compiling costs more than a
 * CLI command that never needs the schema should pay); one $id compiles once.
 */
export function compileSchema<T>(schema: { $id: string } & Record<string, unknown>): SchemaValidator<T> {
  known.set(schema.$id, schema);
  let compiled: ValidateFunction<T> | undefined;
  const validate = (value: unknown): ValidateFunction<T> => {
    compiled ??= precompiledValidator<T>(schema) ?? ((compiler().getSchema(schema.$id) ?? compiler().compile(schema)) as ValidateFunction<T>);
    compiled(value);
    return compiled;
  };
  const problem = (value: unknown): string | undefined => {
    const run = validate(value);
    return run.errors == null ? undefined : describeErrors(run.errors);
  };
  return {
    id: schema.$id,
    is: (value: unknown): value is T => problem(value) === undefined,
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
