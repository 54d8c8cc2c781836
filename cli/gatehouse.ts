#!/usr/bin/env node
// Entry point of the npm package's `gatehouse`: the only place that exits the process.

// Checked before anything else loads: on an older Node, gatehouse's modules
// would fail with a stack trace and exit 1, which is gatehouse's "denied". The
// range is package.json's engines, which are sigstore-js's.
const [major = 0, minor = 0, patch = 0] = process.versions.node.split('.').map(Number);
const supported = (major === 22 && (minor > 22 || (minor === 22 && patch >= 2))) || (major === 24 && minor >= 15) || major >= 26;
if (!supported) {
  process.stderr.write(`gatehouse: needs Node.js 22.22.2 or a later 22.x, 24.15.0 or a later 24.x, or 26 and later; this is Node.js ${process.version}\n`);
  process.exit(3);
}

// Reuse V8's compiled code across runs (a cache in the OS temp directory):
// a pipeline step runs gatehouse cold, and module loading dominates that.
const { enableCompileCache } = await import('node:module');
enableCompileCache();
const { runProcess } = await import('./run.ts');
process.exitCode = await runProcess(process.argv.slice(2));
