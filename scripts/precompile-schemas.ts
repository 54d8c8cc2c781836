// Precompiles every JSON Schema gatehouse validates with into standalone Ajv
// code, dist/src/schema/precompiled.cjs, so the built package validates
// without loading the Ajv compiler at start-up (the largest part of a cold
// `verify-attestation`). Each validator carries the digest of the schema it
// was made from; src/schema/validator.ts uses one only for that exact schema.
// Run by `npm run build` after tsc.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// Importing the library and every module that defines a schema registers them all.
await import('../src/index.ts');
await Promise.all(['../src/decide/decide.ts', '../src/decide/record.ts', '../src/gates/regression/results.ts', '../src/gates/safety/dataset.ts', '../src/verify/trust.ts'].map((module) => import(module)));
// The complete policy data schema is made from the registry when first needed: make it now.
(await import('../src/policy/data.ts')).policyDataValidator();
const { COMPILER_OPTIONS, knownSchemas, schemaDigest } = await import('../src/schema/validator.ts');

const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
const addFormats = require('ajv-formats') as (ajv: InstanceType<typeof Ajv2020>) => unknown;
const standaloneCode = (require('ajv/dist/standalone/index.js') as { default: (ajv: unknown, refs: Record<string, string>) => string }).default;
const ajv = new Ajv2020({ ...COMPILER_OPTIONS, code: { source: true, lines: false } });
addFormats(ajv);
const { referenced, validated } = knownSchemas();
for (const schema of referenced) ajv.addSchema(schema);
for (const schema of validated) if (ajv.getSchema(schema.$id) === undefined) ajv.addSchema(schema);
const refs = Object.fromEntries(validated.map((schema) => [schema.$id, schema.$id]));
const code = standaloneCode(ajv, refs);
const digests = Object.fromEntries(validated.map((schema) => [schema.$id, schemaDigest(schema)]));
const module = `${code}\nconst validators = module.exports;\nmodule.exports = { validators, digests: ${JSON.stringify(digests)} };\n`;
const target = join(ROOT, 'dist', 'src', 'schema', 'precompiled.cjs');
writeFileSync(target, module);
process.stderr.write(`precompiled ${validated.length} schemas into ${target}\n`);
