// Bundles the built CLI into dist/bundle/ with esbuild: one entry (the
// gatehouse bin) and the two worker scripts, with shared chunks and the
// commands loaded on demand, so a cold start reads a few files instead of
// hundreds. The library (dist/src, with declarations) is not bundled. Run by
// `npm run build` after tsc and the schema precompiler.
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import { build, type Plugin } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'bundle');

// Node's own modules, statically imported, are loaded with require instead. An
// ES import of a built-in builds its whole namespace, running every lazy getter
// (`node:fs` loads Node's stream classes for its ReadStream export): a tenth of
// a cold `verify-attestation` went to modules nothing used. Required, a
// built-in hands out only what the code reads.
const builtins = new Set(builtinModules.flatMap((name) => (name.startsWith('node:') ? [name] : [name, `node:${name}`])));
const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => (builtins.has(args.path) && args.kind === 'import-statement' ? { path: args.path, namespace: 'builtin' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

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
  target: 'node22.22',
  logLevel: 'warning',
  plugins: [builtinsByRequire],
  // Bundled CommonJS dependencies call require; an ES module has none of its own.
  // Every chunk sits in one folder, so they share one (making one per chunk cost a cold start 8 ms).
  banner: { js: "import { createRequire as gatehouseCreateRequire } from 'node:module'; const require = (globalThis[Symbol.for('gatehouse.require')] ??= gatehouseCreateRequire(import.meta.url));" },
});
// The precompiled validators are loaded beside whichever chunk holds the schema module.
cpSync(join(DIST, 'src', 'schema', 'precompiled'), join(OUT, 'precompiled'), { recursive: true });
process.stderr.write(`bundled the CLI into ${OUT}\n`);
