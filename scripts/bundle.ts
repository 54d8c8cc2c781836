// Bundles the built CLI into dist/bundle/ with esbuild: one entry (the
// gatehouse bin) and the two worker scripts, with shared chunks and the
// commands loaded on demand, so a cold start reads a few files instead of
// hundreds. The library (dist/src, with declarations) is not bundled. Run by
// `npm run build` after tsc and the schema precompiler.
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'bundle');

rmSync(OUT, { recursive: true, force: true });
await build({
  // Worker scripts keep their names beside the chunks that start them (siblingModule finds them there).
  entryPoints: [join(DIST, 'cli', 'gatehouse.js'), join(DIST, 'src', 'digest', 'worker.js'), join(DIST, 'src', 'stats', 'bootstrap-worker.js')],
  entryNames: '[name]',
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22.12',
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require; an ES module has none of its own.
  banner: { js: "import { createRequire as gatehouseCreateRequire } from 'node:module'; const require = gatehouseCreateRequire(import.meta.url);" },
});
// The precompiled validators are loaded beside whichever chunk holds the schema module.
cpSync(join(DIST, 'src', 'schema', 'precompiled'), join(OUT, 'precompiled'), { recursive: true });
process.stderr.write(`bundled the CLI into ${OUT}\n`);
