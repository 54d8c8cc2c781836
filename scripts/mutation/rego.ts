// Mutation testing for the Rego policies (npm run mutation:rego), which no
// mutation tool covers. Each mutant is one small semantic edit to one line of
// policies/ (tests and data left alone), made in a temporary copy of the
// project. A mutant is:
// - invalid when `opa check --strict` rejects it (not counted, like a compile error);
// - killed when `opa test` fails, or, after the bundle is rebuilt exactly as a
//   developer would (gatehouse policy build with the demo policy key), a
//   decision test fails: test/decide, test/cli/decide.test.ts and test/policy,
//   except the checks that compare files rather than behaviour (the committed
//   bundle equals its sources; opa fmt; regal lint), which never count as a kill;
// - survived otherwise.
//
//   node scripts/mutation/rego.ts [--list] [--only PATH[:LINE]]... [--opa-test-only] [--out FILE]
//
// --opa-test-only stops at `opa test`: a mutant the Rego tests do not catch is
// reported as surviving them, without rebuilding the bundle for the decision
// tests. About 3 s a mutant instead of a minute or more for each one the Rego
// tests miss, so the whole of policies/ fits in under an hour; its score is a
// lower bound on the full one. Run the full harness with --only on its
// survivors' lines to finish the measure.
//
// Writes every mutant with its location and outcome to reports/mutation/rego.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPolicyBundle, stagePolicySources } from '../../src/policy/build.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DECISION_TESTS = ['test/decide', 'test/cli/decide.test.ts', 'test/policy'];
// Checks of files, not of decisions: a mutant they notice is not thereby caught.
const NOT_A_KILL = [/is what the sources build to/, /are formatted \(opa fmt --fail\)/, /pass regal lint/];

/** One edit to one line of a policy file. */
export interface RegoMutant {
  file: string;
  line: number;
  operator: 'relational' | 'arithmetic' | 'negation' | 'membership' | 'aggregate' | 'boolean' | 'default' | 'condition';
  original: string;
  mutated: string;
}

type Outcome = { status: 'invalid'; reason: string } | { status: 'killed'; by: string[] } | { status: 'survived'; note?: string };

// Operators applied inside code (comments and string literals are masked out first).
const TOKEN_SWAPS: Array<{ operator: RegoMutant['operator']; pattern: RegExp; replace: (match: string) => string[] }> = [
  { operator: 'relational', pattern: /==|!=|>=|<=|(?<![-=<>!:])[<>](?![=>])/g, replace: (m) => ({ '==': ['!='], '!=': ['=='], '>=': ['>'], '<=': ['<'], '>': ['>='], '<': ['<='] })[m] ?? [] },
  { operator: 'arithmetic', pattern: /(?<=\s)[-+](?=\s)/g, replace: (m) => (m === '-' ? ['+'] : ['-']) },
  { operator: 'aggregate', pattern: /\b(max|min)(?=\()/g, replace: (m) => (m === 'max' ? ['min'] : ['max']) },
  { operator: 'boolean', pattern: /\b(true|false)\b/g, replace: (m) => (m === 'true' ? ['false'] : ['true']) },
];

/** Every mutant of one policy file's text. */
export function mutantsOf(file: string, text: string): RegoMutant[] {
  const mutants: RegoMutant[] = [];
  const lines = text.split('\n');
  // Brace depth before each line: 1 inside a rule body, more inside a literal or comprehension.
  let depth = 0;
  let ruleBody = false;
  lines.forEach((original, index) => {
    const line = index + 1;
    const code = maskNonCode(original);
    const add = (operator: RegoMutant['operator'], mutated: string) => {
      if (mutated !== original) mutants.push({ file, line, operator, original, mutated });
    };
    if (code.trim() === '') return;
    for (const swap of TOKEN_SWAPS) {
      for (const match of code.matchAll(swap.pattern)) {
        for (const replacement of swap.replace(match[0])) add(swap.operator, original.slice(0, match.index) + replacement + original.slice(match.index + match[0].length));
      }
    }
    for (const match of code.matchAll(/\bobject\.get\(/g)) {
      const range = lastArgument(code, match.index + match[0].length);
      if (range === undefined) continue;
      const value = original.slice(range.start, range.end).trim();
      const replacement = /^-?\d+(\.\d+)?$/.test(value) ? (Number(value) === 0 ? '1' : `-${value}`) : value.startsWith('[') && value !== '[]' ? '[]' : value.startsWith('"') && value !== '""' ? '""' : undefined;
      if (replacement !== undefined) add('default', original.slice(0, range.start) + original.slice(range.start, range.end).replace(value, replacement) + original.slice(range.end));
    }
    const indent = /^\t+/.exec(original)?.[0] ?? '';
    const statement = code.trim();
    const depthBefore = depth;
    depth += (code.match(/[{[(]/g) ?? []).length - (code.match(/[}\])]/g) ?? []).length;
    if (depthBefore === 0) ruleBody = /\bif \{$/.test(statement) || /\bevery\b.*\{$/.test(statement);
    if (statement.startsWith('not ')) add('negation', indent + original.trim().slice(4));
    const inlineNot = /\bif not /.exec(code);
    if (inlineNot) add('negation', original.slice(0, inlineNot.index + 3) + original.slice(inlineNot.index + 7));
    // A body condition of its own: no binding, no iteration, not the result.
    const isCondition = ruleBody && depthBefore === 1 && depth === 1 && !/:=|\bsome\b|\bevery\b|^result\b/.test(statement);
    if (isCondition) {
      if (!statement.startsWith('not ') && /\bin\b/.test(statement)) add('membership', `${indent}not ${original.trim()}`);
      add('condition', `${indent}true # condition removed by mutation`);
    }
  });
  return mutants;
}

// Blanks out comments and string contents so operators inside them are not mutated.
function maskNonCode(line: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inString) {
      if (c === '\\') {
        out += '  ';
        i++;
        continue;
      }
      if (c === '"') inString = false;
      out += c === '"' ? '"' : ' ';
      continue;
    }
    if (c === '#') return out + ' '.repeat(line.length - i);
    if (c === '"') inString = true;
    out += c;
  }
  return out;
}

// The character range of the last argument of a call whose arguments start at `from`.
function lastArgument(code: string, from: number): { start: number; end: number } | undefined {
  let depth = 0;
  let start = from;
  for (let i = from; i < code.length; i++) {
    const c = code[i]!;
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) return { start, end: i };
      depth--;
    } else if (c === ',' && depth === 0) start = i + 1;
  }
  return undefined;
}

function policyFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) return path === 'data' || path.endsWith('/fixtures') ? [] : policyFiles(dir, path);
    return entry.name.endsWith('.rego') && !entry.name.endsWith('_test.rego') ? [path] : [];
  });
}

// A copy of the working tree (tracked and untracked, not ignored files) with the
// installed tools linked, where policies may be edited and the bundle rebuilt.
function projectCopy(): string {
  const base = mkdtempSync(join(tmpdir(), 'gatehouse-rego-mutation-'));
  const copy = join(base, 'project');
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  for (const linked of ['node_modules', '.tools', '.venv']) {
    if (!existsSync(join(ROOT, linked))) throw new Error(`${linked} is missing: run npm ci and npm run tools first`);
    symlinkSync(realpathSync(join(ROOT, linked)), join(copy, linked));
  }
  return copy;
}

function opaCheck(copy: string): string | undefined {
  const result = spawnSync(join(copy, '.tools', 'bin', 'opa'), ['check', '--strict', 'policies'], { cwd: copy, encoding: 'utf8' });
  return result.status === 0 ? undefined : (result.stdout + result.stderr).trim().split('\n').slice(0, 3).join(' ');
}

// The Rego tests as gatehouse policy test stages them; the first failure, or undefined when all pass.
async function opaTest(copy: string): Promise<string | undefined> {
  const staging = mkdtempSync(join(dirname(copy), 'opa-test-'));
  try {
    await stagePolicySources(join(copy, 'policies'), staging, { tests: true });
    const result = spawnSync(join(copy, '.tools', 'bin', 'opa'), ['test', 'policies'], { cwd: staging, encoding: 'utf8' });
    if (result.status === 0) return undefined;
    const lines = (result.stdout + result.stderr).split('\n').map((line) => line.trim());
    return lines.find((line) => /FAIL|ERROR|error/.test(line)) ?? lines.find(Boolean) ?? `exit ${result.status}`;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function decisionTests(copy: string): { failed: string[]; passed: number } {
  const report = join(copy, '..', 'vitest.json');
  rmSync(report, { force: true });
  spawnSync(process.execPath, [join(copy, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...DECISION_TESTS, '--reporter=json', `--outputFile=${report}`], { cwd: copy, encoding: 'utf8', timeout: 900_000 });
  if (!existsSync(report)) return { failed: ['(vitest did not report: it crashed or timed out)'], passed: 0 };
  const results = JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; testResults: Array<{ name: string; message?: string; assertionResults: Array<{ fullName: string; status: string }> }> };
  const failed = results.testResults.flatMap((file) => {
    const tests = file.assertionResults.filter((test) => test.status === 'failed').map((test) => `${relative(copy, file.name)} > ${test.fullName}`);
    // A file that failed to load reports no test; it still failed.
    return tests.length === 0 && file.message ? [`${relative(copy, file.name)}: ${file.message.split('\n')[0]}`] : tests;
  });
  return { failed, passed: results.numPassedTests };
}

async function judge(copy: string, opaTestOnly = false): Promise<Outcome> {
  const invalid = opaCheck(copy);
  if (invalid !== undefined) return { status: 'invalid', reason: invalid };
  const policiesDir = join(copy, 'policies');
  const opaTests = await opaTest(copy);
  if (opaTests !== undefined) return { status: 'killed', by: [`opa test: ${opaTests}`] };
  if (opaTestOnly) return { status: 'survived', note: 'opa test only: the decision tests were not run' };
  await buildPolicyBundle({ policiesDir, out: join(copy, 'bundles', 'gatehouse.tar.gz'), signingKey: join(copy, 'examples', 'keys', 'policy-team.key'), opa: join(copy, '.tools', 'bin', 'opa') });
  const { failed } = decisionTests(copy);
  const kills = failed.filter((name) => !NOT_A_KILL.some((pattern) => pattern.test(name)));
  if (kills.length > 0) return { status: 'killed', by: kills };
  return failed.length > 0 ? { status: 'survived', note: `only file checks failed: ${failed.join('; ')}` } : { status: 'survived' };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.flatMap((arg, i) => (args[i - 1] === '--only' ? [arg] : []));
  const out = args.flatMap((arg, i) => (args[i - 1] === '--out' ? [arg] : []))[0] ?? join(ROOT, 'reports', 'mutation', 'rego.json');
  const known = new Set(['--list', '--only', '--out', '--opa-test-only']);
  const opaTestOnly = args.includes('--opa-test-only');
  const unknown = args.filter((arg, i) => arg.startsWith('--') && !known.has(arg) && args[i - 1] !== '--only' && args[i - 1] !== '--out');
  if (unknown.length > 0) {
    console.error(`mutation:rego: unknown option ${unknown[0]}; usage: node scripts/mutation/rego.ts [--list] [--only PATH[:LINE]]... [--opa-test-only] [--out FILE]`);
    process.exit(2);
  }
  const policies = join(ROOT, 'policies');
  const selected = (m: RegoMutant) => only.length === 0 || only.some((o) => o === m.file || o === `${m.file}:${m.line}`);
  const mutants = policyFiles(policies).flatMap((file) => mutantsOf(`policies/${file}`, readFileSync(join(policies, file), 'utf8'))).filter(selected);
  if (args.includes('--list')) {
    for (const m of mutants) console.log(`${m.file}:${m.line}\t${m.operator}\t${m.mutated.trim()}`);
    console.log(`${mutants.length} mutants`);
    return;
  }
  const started = Date.now();
  const copy = projectCopy();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      rmSync(dirname(copy), { recursive: true, force: true });
      process.exit(130);
    });
  }
  try {
    const baseline = await judge(copy, opaTestOnly);
    if (baseline.status !== 'survived' || (baseline.note !== undefined && !opaTestOnly)) {
      console.error(`mutation:rego: the unmutated policies do not pass their checks (${JSON.stringify(baseline)}); fix that first`);
      process.exit(1);
    }
    const results: Array<RegoMutant & Outcome & { seconds: number }> = [];
    for (const [i, mutant] of mutants.entries()) {
      const path = join(copy, mutant.file);
      const text = readFileSync(path, 'utf8');
      const lines = text.split('\n');
      lines[mutant.line - 1] = mutant.mutated;
      writeFileSync(path, lines.join('\n'));
      const t0 = Date.now();
      let outcome: Outcome;
      try {
        outcome = await judge(copy, opaTestOnly);
      } catch (error) {
        outcome = { status: 'invalid', reason: `build failed: ${(error as Error).message.split('\n')[0]}` };
      } finally {
        writeFileSync(path, text);
      }
      const seconds = Math.round((Date.now() - t0) / 100) / 10;
      results.push({ ...mutant, ...outcome, seconds });
      const detail = outcome.status === 'killed' ? outcome.by[0] : outcome.status === 'invalid' ? outcome.reason : (outcome.note ?? '');
      console.log(`[${i + 1}/${mutants.length}] ${outcome.status.padEnd(8)} ${mutant.file}:${mutant.line} ${mutant.operator}: ${mutant.mutated.trim()}  (${seconds}s) ${detail}`);
    }
    const count = (status: Outcome['status']) => results.filter((r) => r.status === status).length;
    const killed = count('killed');
    const survived = count('survived');
    const score = killed + survived === 0 ? 0 : (100 * killed) / (killed + survived);
    const summary = { generated: new Date().toISOString(), elapsedSeconds: Math.round((Date.now() - started) / 1000), mode: opaTestOnly ? 'opa test only' : 'full', mutants: results.length, killed, survived, invalid: count('invalid'), score: Math.round(score * 100) / 100 };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ summary, results }, null, 2)}\n`);
    console.log(`\nRego mutation score ${summary.score}%: ${killed} killed, ${survived} survived, ${summary.invalid} invalid (not counted), ${summary.elapsedSeconds}s; written to ${relative(process.cwd(), out)}`);
    for (const r of results.filter((r) => r.status === 'survived')) console.log(`survived ${r.file}:${r.line} ${r.operator}: ${r.original.trim()}  ->  ${r.mutated.trim()}`);
  } finally {
    rmSync(dirname(copy), { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
