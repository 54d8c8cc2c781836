// Precompiles every JSON Schema gatehouse validates with into standalone Ajv
// code, one module per schema in dist/src/schema/precompiled/, so the built package validates
// without loading the Ajv compiler at start-up (the largest part of a cold
// `verify-attestation`). Each validator carries the digest of the schema it
// was made from; src/schema/validator.ts uses one only for that exact schema.
// Run by `npm run build` after tsc.
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// Importing the library and every module that defines a schema registers them all.
await import('../src/index.ts');
await Promise.all(['../src/decide/decide.ts', '../src/decide/record.ts', '../src/gates/regression/results.ts', '../src/gates/safety/dataset.ts', '../src/gates/robustness/dataset.ts', '../src/gates/redteam/index.ts', '../src/gates/data-provenance/index.ts', '../src/verify/trust.ts'].map((module) => import(module)));
// The complete policy data schema is made from the registry when first needed: make it now.
(await import('../src/policy/data.ts')).policyDataValidator();
const { COMPILER_OPTIONS, knownSchemas, precompiledModuleName, schemaDigest } = await import('../src/schema/validator.ts');

const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
const addFormats = require('ajv-formats') as (ajv: InstanceType<typeof Ajv2020>) => unknown;
const standaloneCode = (require('ajv/dist/standalone/index.js') as { default: (ajv: unknown, refs: Record<string, string>) => string }).default;
const ajv = new Ajv2020({ ...COMPILER_OPTIONS, code: { source: true, lines: false } });
addFormats(ajv);
const { referenced, validated } = knownSchemas();
for (const schema of referenced) ajv.addSchema(schema);
for (const schema of validated) if (ajv.getSchema(schema.$id) === undefined) ajv.addSchema(schema);
const directory = join(ROOT, 'dist', 'src', 'schema', 'precompiled');
rmSync(directory, { recursive: true, force: true });
mkdirSync(directory, { recursive: true });
// One module per schema, named by its $id (precompiledModuleName), so a command
// loads the code of the schemas it validates with and no other.
for (const schema of validated) {
  const code = `${eagerFunctions(standaloneCode(ajv, { validate: schema.$id }))}\nmodule.exports = { validate: module.exports.validate, digest: ${JSON.stringify(schemaDigest(schema))} };\n`;
  writeFileSync(join(directory, precompiledModuleName(schema.$id)), code);
}
// What the rewrite must not change: every validator still judges every JSON
// document of the test fixtures (bundles, their statements and predicates,
// policy data), valid or not, exactly as Ajv's own code does.
const original = join(ROOT, 'dist', 'src', 'schema', 'precompiled-unrewritten.cjs');
writeFileSync(original, standaloneCode(ajv, Object.fromEntries(validated.map((schema) => [schema.$id, schema.$id]))));
const reference = require(original) as Record<string, ValidateFunction>;
rmSync(original);
let compared = 0;
const documents = [...fixtureDocuments(join(ROOT, 'test', 'fixtures'))];
for (const schema of validated) {
  const ours = (require(join(directory, precompiledModuleName(schema.$id))) as { validate: ValidateFunction }).validate;
  const theirs = reference[schema.$id];
  if (typeof ours !== 'function' || typeof theirs !== 'function') throw new Error(`precompiled validators: the rewrite lost ${schema.$id}`);
  for (const document of documents) {
    const judged = (validate: ValidateFunction) => JSON.stringify([validate(document), validate.errors?.[0]?.instancePath, validate.errors?.[0]?.keyword]);
    if (judged(ours) !== judged(theirs)) throw new Error(`precompiled validators: the rewrite changed how ${schema.$id} judges a fixture`);
    compared += 1;
  }
}
process.stderr.write(`precompiled ${validated.length} schemas into ${directory} (rewritten validators agree with Ajv's on ${compared} fixture judgements)\n`);

/**
 * Ajv's standalone code declares each validator as `function validateN(…){…}`,
 * which V8 compiles lazily, on its first call: a cold command then compiles
 * every validator it touches (about 40 ms for a seven-gate `verify`), and
 * Node's compile cache, written when a module is compiled, never holds them.
 * Wrapped in parentheses (`var validateN = (function validateN(…){…});`) they
 * are compiled with the module, so the cache keeps them from the second run
 * on. Such a definition is not hoisted, so all of them move to the top, before
 * the statements that name them (exports, `{validate: validateN}` roots);
 * their bodies read the schema constants only when called. The scan knows the
 * generated code's only literals are strings (patterns are `new RegExp("…")`)
 * and refuses anything else rather than guess.
 */
function eagerFunctions(source: string): string {
  const prologue = '"use strict";';
  if (!source.startsWith(prologue)) throw new Error('precompiled validators: Ajv\'s code no longer starts with "use strict"');
  const declaration = /function (validate\d+)\(/g;
  const functions: string[] = [];
  let rest = '';
  let from = prologue.length;
  declaration.lastIndex = from;
  for (let match = declaration.exec(source); match !== null; match = declaration.exec(source)) {
    const parameters = closing(source, match.index + match[0].length - 1, '(', ')');
    const end = closing(source, source.indexOf('{', parameters + 1), '{', '}');
    functions.push(`var ${match[1]} = (${source.slice(match.index, end + 1)});`);
    rest += source.slice(from, match.index);
    from = end + 1;
    declaration.lastIndex = from;
  }
  return `${prologue}\n${functions.join('\n')}\n${rest}${source.slice(from)}`;
}

// The index of the bracket that closes the one at `start`, skipping comments,
// string and regular-expression literals (Ajv escapes JSON pointers with `.replace(/~/g, …)`).
function closing(source: string, start: number, open: string, close: string): number {
  let depth = 0;
  let previous = '';
  for (let index = start; index < source.length; index++) {
    const char = source[index]!;
    if (char === '"' || char === "'" || char === '`') {
      index = literalEnd(source, index, char);
    } else if (char === '/' && source[index + 1] === '*') {
      index = source.indexOf('*/', index + 2) + 1; // Ajv names each function's schema in a sourceURL comment
      if (index === 0) throw new Error(`precompiled validators: an unterminated comment after ${start}`);
      continue;
    } else if (char === '/' && source[index + 1] === '/') {
      throw new Error(`precompiled validators: a line comment at ${index}; the rewrite expects none`);
    } else if (char === '/' && '(,=:[!&|?{};'.includes(previous)) {
      index = literalEnd(source, index, '/');
    } else if (char === open) depth += 1;
    else if (char === close && --depth === 0) return index;
    if (char.trim() !== '') previous = source[index]!;
  }
  throw new Error(`precompiled validators: no ${close} closes the ${open} at ${start}`);
}

// The index of the character that ends the literal opened by `quote` at `start` (a regular expression's classes may hold its quote).
function literalEnd(source: string, start: number, quote: string): number {
  let inClass = false;
  for (let index = start + 1; index < source.length; index++) {
    const char = source[index]!;
    if (char === '\\') index += 1;
    else if (quote === '/' && char === '[') inClass = true;
    else if (quote === '/' && char === ']') inClass = false;
    else if (char === quote && !inClass) return index;
  }
  throw new Error(`precompiled validators: an unterminated ${quote} literal at ${start}`);
}

// Every JSON document under `directory`, with the statement and predicate inside each DSSE bundle.
function* fixtureDocuments(directory: string): Generator<unknown> {
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.json')) continue;
    let document: unknown;
    try {
      document = JSON.parse(readFileSync(join(entry.parentPath, entry.name), 'utf8'));
    } catch {
      continue; // a fixture that is deliberately not JSON
    }
    yield document;
    const payload = (document as { dsseEnvelope?: { payload?: unknown } } | null)?.dsseEnvelope?.payload;
    if (typeof payload !== 'string') continue;
    try {
      const statement = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as { predicate?: unknown };
      yield statement;
      yield statement.predicate;
    } catch {
      continue;
    }
  }
}
