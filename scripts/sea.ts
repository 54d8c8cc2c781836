// Builds gatehouse as one executable file, dist/sea/gatehouse, with Node's
// single-executable-application support: the CLI bundled into one CommonJS
// script (with every precompiled validator, and V8's code cache for it) and
// injected into a copy of the Node binary that runs this script. A user
// without Node runs it as they run cosign. The worker scripts (model digests,
// bootstrap) travel inside as assets. The package's files (policies/,
// examples/) do not: `demo` and `policy init` say so and need the npm package.
// Run after `npm run build`:
//   npm run build:sea
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'sea');
const EXECUTABLE = join(OUT, process.platform === 'win32' ? 'gatehouse.exe' : 'gatehouse');
// The fuse Node's binary checks for an injected application (Node's documentation names it).
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

if (!existsSync(join(DIST, 'cli', 'run.js'))) throw new Error('no dist/cli/run.js: run npm run build first');
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

// The executable's CommonJS has no import.meta: modules that find files beside
// themselves see the executable's own path (where, being one file, it has none).
const commonJS = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: `node${process.versions.node}`,
  logLevel: 'warning',
  define: { 'import.meta.url': 'gatehouseModuleURL' },
  banner: { js: 'const gatehouseModuleURL = require("node:url").pathToFileURL(__filename).href;' },
} as const;

// Every precompiled validator by name, so the bundle carries them all; each is
// required on first use (a getter), so a command runs only the validators it uses.
const precompiled = join(DIST, 'src', 'schema', 'precompiled');
const names = readdirSync(precompiled).filter((name) => name.endsWith('.cjs'));
writeFileSync(
  join(OUT, 'precompiled-index.cjs'),
  names.map((name) => `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => require(${JSON.stringify(join(precompiled, name))}) });`).join('\n') + '\n',
);
writeFileSync(
  join(OUT, 'entry.mjs'),
  `import { registerPrecompiledValidators } from ${JSON.stringify(join(DIST, 'src', 'schema', 'validator.js'))};
import { runProcess } from ${JSON.stringify(join(DIST, 'cli', 'run.js'))};
import precompiled from './precompiled-index.cjs';
import cluster from 'node:cluster';

registerPrecompiledValidators(precompiled);
// The executable's own path stands in process.argv[1]. A \`serve --workers\` worker is forked with the
// primary's argv[1] (the executable again) as the script to run, which lands in argv[2]: skipped.
runProcess(process.argv.slice(cluster.isWorker ? 3 : 2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write('gatehouse: ' + String(error) + '\\n'); process.exitCode = 3; },
);
`,
);
await build({ ...commonJS, entryPoints: [join(OUT, 'entry.mjs')], outfile: join(OUT, 'gatehouse.cjs') });
await build({ ...commonJS, entryPoints: [join(DIST, 'src', 'digest', 'worker.js')], outfile: join(OUT, 'worker.cjs') });
await build({ ...commonJS, entryPoints: [join(DIST, 'src', 'stats', 'bootstrap-worker.js')], outfile: join(OUT, 'bootstrap-worker.cjs') });

const config = join(OUT, 'sea-config.json');
const blob = join(OUT, 'sea-prep.blob');
writeFileSync(
  config,
  JSON.stringify({
    main: join(OUT, 'gatehouse.cjs'),
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    assets: { 'worker.cjs': join(OUT, 'worker.cjs'), 'bootstrap-worker.cjs': join(OUT, 'bootstrap-worker.cjs') },
  }),
);
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
copyFileSync(process.execPath, EXECUTABLE);
chmodSync(EXECUTABLE, 0o755);
execFileSync(join(ROOT, 'node_modules', '.bin', 'postject'), [EXECUTABLE, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE], { stdio: ['ignore', 'ignore', 'inherit'] });
for (const intermediate of ['entry.mjs', 'precompiled-index.cjs', 'gatehouse.cjs', 'worker.cjs', 'bootstrap-worker.cjs', 'sea-config.json', 'sea-prep.blob']) rmSync(join(OUT, intermediate));
process.stderr.write(`built ${EXECUTABLE} (${(statSync(EXECUTABLE).size / 2 ** 20).toFixed(0)} MiB, Node ${process.versions.node})\n`);
