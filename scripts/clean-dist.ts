// Empties dist/ before `npm run build` makes it again, so that a module the
// sources no longer have cannot linger in the packed package (package.json
// `files` packs all of dist/). dist/sea/ is left alone: `npm run build:sea`
// makes it, from the build, and the package never carries it.
//   node scripts/clean-dist.ts [DIST]     (default: the checkout's dist/)
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = process.argv[2] ?? join(ROOT, 'dist');
// What other scripts own inside dist/.
const KEPT = new Set(['sea']);

let entries: string[];
try {
  entries = readdirSync(DIST);
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  entries = [];
}
for (const entry of entries) if (!KEPT.has(entry)) rmSync(join(DIST, entry), { recursive: true, force: true });
