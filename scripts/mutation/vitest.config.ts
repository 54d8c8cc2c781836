// The test configuration Stryker runs: the project's own, plus a setup file
// that carries the active mutant and coverage across the child processes tests
// start (the CLI), so CLI-only tests can kill mutants too. The test processes
// preload child-coverage.mjs only so that the worker threads they start
// (which inherit their execArgv) preload it: in the test process itself it
// does nothing, since no coverage folder is named when it loads. A per-folder
// run (scripts/mutation/folder.ts) names its test files in
// GATEHOUSE_MUTATION_TESTS.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config.ts';

const config = mergeConfig(
  base,
  defineConfig({
    test: {
      setupFiles: ['scripts/mutation/child-processes.ts'],
      execArgv: [`--import=${new URL('./child-coverage.mjs', import.meta.url).href}`],
      // Instrumented code runs several times slower, most in the dry run that counts coverage per
      // test: the worker-thread bootstrap of test/stats/stats.test.ts (1.4 s plain) passed 60 s there.
      testTimeout: 300_000,
    },
  }),
);
const only = process.env['GATEHOUSE_MUTATION_TESTS'];
if (only !== undefined) config.test!.include = JSON.parse(only) as string[];

export default config;
