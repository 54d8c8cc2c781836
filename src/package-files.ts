import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Where gatehouse's own files are, whether it runs from its sources (src/,
// TypeScript) or from the built package (dist/src/, JavaScript).

/** The folder holding gatehouse's package.json, policies/, bundles/, data/ and examples/. */
export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  for (let directory = start; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'package.json')) && existsSync(join(directory, 'policies'))) return directory;
    if (dirname(directory) === directory) throw new Error(`gatehouse's package folder is not above ${start}`);
  }
}

/** A sibling module of `from` (an import.meta.url), with the extension `from` has: .ts in the sources, .js when built. */
export function siblingModule(from: string, name: string): URL {
  return new URL(`./${name}${extname(fileURLToPath(from))}`, from);
}
