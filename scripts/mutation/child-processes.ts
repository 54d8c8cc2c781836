// Vitest setup for mutation runs. Stryker activates a mutant, and records which
// test covers which mutant, in the test process only. Tests that spawn the CLI
// run the same instrumented sources in a child process, so:
// - the active mutant goes to children in __STRYKER_ACTIVE_MUTANT__, which
//   Stryker's instrumentation reads when its own global is unset;
// - in the dry run, each child writes the mutants it covered on exit
//   (child-coverage.mjs, preloaded through NODE_OPTIONS) and they are added to
//   the current test's coverage, so Stryker later runs that test for them.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

type Counts = Record<string, number>;
interface StrykerGlobal {
  activeMutant?: string | number;
  currentTestId?: string;
  mutantCoverage?: { static: Counts; perTest: Record<string, Counts> };
}

const ACTIVE = '__STRYKER_ACTIVE_MUTANT__';
const COVERAGE_DIR = 'GATEHOUSE_MUTATION_CHILD_COVERAGE_DIR';
const preload = `--import=${new URL('./child-coverage.mjs', import.meta.url).href}`;
const stryker = (): StrykerGlobal => ((globalThis as { __stryker__?: StrykerGlobal }).__stryker__ ??= {});

let testId: string | undefined;
let coverageDir: string | undefined;

beforeEach(() => {
  const ns = stryker();
  if (ns.activeMutant !== undefined) {
    process.env[ACTIVE] = String(ns.activeMutant);
    return;
  }
  delete process.env[ACTIVE];
  testId = ns.currentTestId;
  coverageDir = mkdtempSync(join(tmpdir(), 'gatehouse-mutation-coverage-'));
  process.env[COVERAGE_DIR] = coverageDir;
  if (!(process.env['NODE_OPTIONS'] ?? '').includes(preload)) process.env['NODE_OPTIONS'] = `${process.env['NODE_OPTIONS'] ?? ''} ${preload}`.trim();
});

afterEach(() => {
  if (coverageDir === undefined) return;
  const ns = stryker();
  const coverage = (ns.mutantCoverage ??= { static: {}, perTest: {} });
  const into = testId === undefined ? coverage.static : (coverage.perTest[testId] ??= {});
  for (const name of readdirSync(coverageDir)) {
    const child = JSON.parse(readFileSync(join(coverageDir, name), 'utf8')) as { static?: Counts; perTest?: Record<string, Counts> };
    for (const counts of [child.static ?? {}, ...Object.values(child.perTest ?? {})]) {
      for (const [id, hits] of Object.entries(counts)) into[id] = (into[id] ?? 0) + hits;
    }
  }
  rmSync(coverageDir, { recursive: true, force: true });
  delete process.env[COVERAGE_DIR];
  coverageDir = undefined;
  testId = undefined;
});
