import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { getAsset, isSea } from 'node:sea';
import { fileURLToPath } from 'node:url';
import { InputError } from './error.ts';

// Where gatehouse's own files are, whether it runs from its sources (src/,
// TypeScript), from the built package (dist/src/, JavaScript), or as the
// single executable, which carries its code and worker scripts but none of
// the package's files.

/**
 * The folder holding gatehouse's package.json, policies/, bundles/, data/ and
 * examples/; for the single executable (no such folder), the executable's own
 * folder, where none of them is (assertPackageFiles says so).
 */
export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  for (let directory = start; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'package.json')) && existsSync(join(directory, 'policies'))) return directory;
    if (dirname(directory) === directory) {
      if (isSea()) return dirname(process.execPath);
      throw new Error(`gatehouse's package folder is not above ${start}`);
    }
  }
}

/** Refuses, naming `command`, to go on without the package's files: the single executable has none. */
export function assertPackageFiles(command: string): void {
  if (existsSync(join(PACKAGE_ROOT, 'policies'))) return;
  throw new InputError({ code: 'USAGE', message: `${command} needs the files of gatehouse's npm package (policies/, examples/, data/), which the single executable does not carry: install @gatehouse-ml/gatehouse` });
}

/** A sibling module of `from` (an import.meta.url), with the extension `from` has: .ts in the sources, .js when built. */
function siblingModule(from: string, name: string): URL {
  return new URL(`./${name}${extname(fileURLToPath(from))}`, from);
}

/** What a worker thread runs: a module file, or (in the single executable) the bundled source of one. */
export type WorkerScript = URL | { source: string };

/** The worker script `name` beside `from` (an import.meta.url); in the single executable, its bundled source (asset `name.cjs`). */
export function workerScript(from: string, name: string): WorkerScript {
  return isSea() ? { source: getAsset(`${name}.cjs`, 'utf8') } : siblingModule(from, name);
}
