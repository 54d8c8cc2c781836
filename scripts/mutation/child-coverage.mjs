// Preloaded into the child processes of a mutation dry run (see
// child-processes.ts): on exit, writes the mutants this process covered to the
// folder the parent test named, so the parent can add them to its coverage.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.GATEHOUSE_MUTATION_CHILD_COVERAGE_DIR;
if (dir) {
  process.on('exit', () => {
    const coverage = globalThis.__stryker__?.mutantCoverage;
    if (coverage) writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(coverage));
  });
}
