// The test configuration Stryker runs: the project's own, plus a setup file
// that carries the active mutant and coverage across the child processes tests
// start (the CLI), so CLI-only tests can kill mutants too.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.config.ts';

export default mergeConfig(base, defineConfig({ test: { setupFiles: ['scripts/mutation/child-processes.ts'] } }));
