// Writes policies/capabilities.json: what `opa build` may use for gatehouse's
// policies. It is the pinned opa's own capabilities (language features) with
// the builtins cut down to the ones @open-policy-agent/opa-wasm can run (the
// list the SDK ships), plus rego.metadata.chain and rego.metadata.rule, which
// the compiler replaces with constants when it builds WebAssembly. A policy
// that calls a builtin the JS runtime lacks then fails the build, not a decision.
//   node scripts/policy/capabilities.ts [--check]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = join(root, 'policies', 'capabilities.json');
const COMPILE_TIME = ['rego.metadata.chain', 'rego.metadata.rule'];

interface Capabilities {
  builtins: Array<{ name: string }>;
  wasm_abi_versions?: unknown;
  [key: string]: unknown;
}

const current = JSON.parse(execFileSync(join(root, '.tools', 'bin', 'opa'), ['capabilities', '--current'], { encoding: 'utf8' })) as Capabilities;
// The package does not export the file, so read it beside the entry point Node
// resolves (not root/node_modules: a Stryker sandbox finds packages further up).
const sdkRoot = join(dirname(fileURLToPath(import.meta.resolve('@open-policy-agent/opa-wasm'))), '..');
const sdk = JSON.parse(readFileSync(join(sdkRoot, 'capabilities.json'), 'utf8')) as Capabilities;
const allowed = new Set([...sdk.builtins.map((b) => b.name), ...COMPILE_TIME]);
const capabilities = {
  ...current,
  builtins: current.builtins.filter((b) => allowed.has(b.name)).sort((a, b) => (a.name < b.name ? -1 : 1)),
  wasm_abi_versions: sdk.wasm_abi_versions,
};
const text = `${JSON.stringify(capabilities, null, 2)}\n`;
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== text) {
    console.error('policies/capabilities.json is out of date: run node scripts/policy/capabilities.ts');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  console.log(`wrote policies/capabilities.json: ${capabilities.builtins.length} builtins`);
}
