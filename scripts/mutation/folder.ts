// Mutation testing of one source folder with that folder's own tests
// (npm run mutation:folder -- --folder NAME), so that a folder can be measured
// in minutes to an hour on a shared 2-core machine instead of ten hours.
//
// It runs Stryker with stryker.config.json, except:
// - mutate: src/NAME/**/*.ts only;
// - the tests: test/NAME/**/*.test.ts and every other test file that imports
//   from src/NAME/ directly (passed to scripts/mutation/vitest.config.ts in
//   GATEHOUSE_MUTATION_TESTS), except the system suites (SYSTEM_SUITES: the
//   CLI end to end, attacks, the server, stores and interop, which start
//   servers or whole chains; IN_PROCESS names the exceptions). Suites that reach src/NAME only through the CLI
//   or through other folders are not run, so the score is a lower bound on
//   what the whole suite detects; docs/testing.md says what the figure means;
// - reports and the incremental baseline go to reports/mutation/NAME/;
// - the TypeScript checker type-checks a program of the mutated files and the
//   tests run (and what they import), not the whole project
//   (scripts/mutation/tsconfig.OUT.json, git-ignored). It checks the whole
//   program once per mutant, so a narrower program is several times faster.
//   A mutant that breaks only the types of a file outside that program is
//   then run against the tests instead of counted as a compile error.
//
//   node scripts/mutation/folder.ts --folder NAME [--out DIR] [--tests FILES] [--list] [STRYKER OPTION]...
//
// --list prints the test files and exits. --tests runs only those of the
// folder's test files (comma-separated; each must be in the selection), for a
// part of a folder whose own tests are a few files (--folder gates --mutate
// src/gates/safety/judge.ts --tests test/gates/safety.test.ts); the figure is
// then a lower bound on the folder figure. --out puts the reports in DIR
// instead (for a run over some files: --mutate src/verify/tuf.ts --out
// reports/mutation/verify-tuf). Other options (--mutate, --concurrency 2,
// --incremental, --dryRunOnly) are passed to Stryker. Run it under nice when
// the machine is shared: nice -n 19 npm run mutation:folder -- --folder stats.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FOLDERS = ['verify', 'decide', 'policy', 'gates', 'stats', 'digest'] as const;
export type MutationFolder = (typeof FOLDERS)[number];

/** Every test file under test/, relative to the project, sorted. */
function testFiles(dir = join(ROOT, 'test')): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'fixtures') found.push(...testFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(relative(ROOT, path));
  }
  return found.sort();
}

// End-to-end suites: they need PostgreSQL, registries, servers or whole signed
// chains, costing seconds to minutes per mutant, and have focused tests beside them.
const SYSTEM_SUITES = ['test/attacks/', 'test/cli/', 'test/interop/', 'test/serve/', 'test/store/'];
// Files in those folders that test library code in process (the CLI's progress
// reporter against hashModelDirectory): they are run like any other.
const IN_PROCESS = new Set(['test/cli/progress.test.ts']);

/** The tests run for src/FOLDER: its test folder and every other test importing from it, but no system suite. */
export function testsOf(folder: MutationFolder): string[] {
  const imports = new RegExp(`from '(?:\\.\\./)+src/${folder}/`);
  return testFiles().filter(
    (file) => file.startsWith(`test/${folder}/`) || ((IN_PROCESS.has(file) || !SYSTEM_SUITES.some((suite) => file.startsWith(suite))) && imports.test(readFileSync(join(ROOT, file), 'utf8'))),
  );
}

/** The value of --NAME, and the arguments without it. */
function option(argv: string[], name: string): [string | undefined, string[]] {
  const at = argv.indexOf(`--${name}`);
  if (at === -1) return [undefined, argv];
  return [argv[at + 1], argv.filter((_, index) => index !== at && index !== at + 1)];
}

function main(argv: string[]): number {
  const [folder, afterFolder] = option(argv, 'folder');
  if (folder === undefined || !(FOLDERS as readonly string[]).includes(folder)) {
    console.error(`mutation:folder: --folder must be one of ${FOLDERS.join(', ')}`);
    return 2;
  }
  const [outOption, afterOut] = option(afterFolder, 'out');
  if (outOption !== undefined && !outOption.startsWith('reports/')) {
    console.error(`mutation:folder: --out ${outOption} must be under reports/ (git-ignored, and outside Stryker's sandbox copy)`);
    return 2;
  }
  const [testsOption, rest] = option(afterOut, 'tests');
  const selection = testsOf(folder as MutationFolder);
  const tests = testsOption === undefined ? selection : testsOption.split(',');
  const outside = tests.find((file) => !selection.includes(file));
  if (outside !== undefined) {
    console.error(`mutation:folder: --tests ${outside} is not one of src/${folder}'s test files (--list names them)`);
    return 2;
  }
  if (rest.includes('--list')) {
    console.log(tests.join('\n'));
    return 0;
  }
  const out = outOption ?? join('reports', 'mutation', folder);
  mkdirSync(join(ROOT, out), { recursive: true });
  const base = JSON.parse(readFileSync(join(ROOT, 'stryker.config.json'), 'utf8')) as Record<string, unknown>;
  const config: Record<string, unknown> = {
    ...base,
    $schema: undefined,
    mutate: [`src/${folder}/**/*.ts`],
    htmlReporter: { fileName: join(out, 'mutation.html') },
    jsonReporter: { fileName: join(out, 'mutation.json') },
    incrementalFile: join(out, 'stryker-incremental.json'),
  };
  // The checker's program: what is mutated and the tests run (Stryker's sandbox
  // copies scripts/ but not reports/, so the tsconfig lives beside this script).
  const [mutateOption] = option(rest, 'mutate');
  const mutated = (mutateOption ?? `src/${folder}`).split(',').map((pattern) => pattern.replace(/:\d+(-\d+)?$/, ''));
  const tsconfig = join('scripts', 'mutation', `tsconfig.${basename(out)}.json`);
  writeFileSync(join(ROOT, tsconfig), `${JSON.stringify({ extends: '../../tsconfig.json', include: [...mutated, ...tests].map((file) => `../../${file}`) }, null, 2)}\n`);
  config.tsconfigFile = tsconfig;
  const configFile = join(out, 'stryker.config.json');
  writeFileSync(join(ROOT, configFile), `${JSON.stringify(config, null, 2)}\n`);
  console.error(`mutation:folder: src/${folder} with ${tests.length} test files (${configFile})`);
  const run = spawnSync(process.execPath, ['--import', './scripts/mutation/typescript-api.mjs', 'node_modules/@stryker-mutator/core/bin/stryker.js', 'run', configFile, ...rest], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, GATEHOUSE_MUTATION_TESTS: JSON.stringify(tests) },
  });
  return run.status ?? 3;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
