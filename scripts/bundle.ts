// Bundles the built CLI into dist/bundle/ with esbuild. A cold start is the
// latency a CI step pays, and loading ES modules costs per module (resolving,
// reading, linking), so each command is one file:
//   gatehouse.js             the bin: checks Node's version, then loads the one file its command needs
//   command-<name>.js        the whole CLI with that command only, one module
//   command-all.js           the whole CLI with every command, for help and unknown names
//   worker.js, bootstrap-worker.js  the worker threads' scripts
//   precompiled/             the precompiled schema validators, loaded on demand
// Commands share no module state (a process runs one), so a module's copy in
// each file is harmless; it costs package size, not start-up. The library
// (dist/src, with declarations) is not bundled. Run by `npm run build` after
// tsc and the schema precompiler.
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { builtinModules } from 'node:module';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'bundle');
const CLI = join(DIST, 'cli');

const { COMMANDS } = (await import(pathToFileURL(join(CLI, 'index.js')).href)) as { COMMANDS: ReadonlyArray<readonly [string, unknown]> };
const names = COMMANDS.map(([name]) => name);

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

// The command table's loaders of every other command resolve to nothing: a run
// of command-<name>.js declares only <name> (cli/index.ts loads only the named one).
const onlyCommand = (only: string): Plugin => ({
  name: 'only-command',
  setup(build) {
    build.onResolve({ filter: /^\.\/commands\/[a-z-]+\.js$/ }, (args) =>
      args.importer === join(CLI, 'index.js') && args.path !== `./commands/${only}.js` ? { path: args.path, namespace: 'absent-command' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'absent-command' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
});

// The bin's `import('./run.js')` becomes a choice of file by the command named.
const dispatch: Plugin = {
  name: 'dispatch',
  setup(build) {
    build.onResolve({ filter: /^\.\/run\.js$/ }, (args) => (args.importer === join(CLI, 'gatehouse.js') ? { path: 'run', namespace: 'dispatch' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'dispatch' }, () => ({
      loader: 'js',
      contents: [
        `const commands = new Set(${JSON.stringify(names)});`,
        // The program takes no option but --version and --help, so the first argument names the command.
        'export async function runProcess(argv) {',
        "  const file = commands.has(argv[0]) ? `./command-${argv[0]}.js` : './command-all.js';",
        '  return (await import(file)).runProcess(argv);',
        '}',
      ].join('\n'),
    }));
  },
};

const common: BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22.22',
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require; an ES module has none of its own.
  banner: { js: "import { createRequire as gatehouseCreateRequire } from 'node:module'; const require = gatehouseCreateRequire(import.meta.url);" },
};

rmSync(OUT, { recursive: true, force: true });
await Promise.all([
  build({ ...common, entryPoints: [join(CLI, 'gatehouse.js')], outfile: join(OUT, 'gatehouse.js'), plugins: [dispatch], banner: {} }),
  build({ ...common, entryPoints: [join(CLI, 'run.js')], outfile: join(OUT, 'command-all.js'), plugins: [builtinsByRequire] }),
  ...names.map((name) => build({ ...common, entryPoints: [join(CLI, 'run.js')], outfile: join(OUT, `command-${name}.js`), plugins: [builtinsByRequire, onlyCommand(name)] })),
  // Worker scripts keep their names beside the command files that start them (siblingModule finds them there).
  ...['digest/worker.js', 'stats/bootstrap-worker.js'].map((script) =>
    build({ ...common, entryPoints: [join(DIST, 'src', script)], outfile: join(OUT, script.replace(/^.*\//, '')), plugins: [builtinsByRequire] }),
  ),
]);
// The precompiled validators are loaded beside whichever file holds the schema module.
cpSync(join(DIST, 'src', 'schema', 'precompiled'), join(OUT, 'precompiled'), { recursive: true });
process.stderr.write(`bundled the CLI into ${OUT}: ${names.length} commands, one file each\n`);
