#!/usr/bin/env node
// Entry point of the npm package's `gatehouse`: the only place that exits the process.

// Checked before anything else loads: on an older Node, gatehouse's modules
// would fail with a stack trace and exit 1, which is gatehouse's "denied".
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`gatehouse: needs Node.js 22.12 or later; this is Node.js ${process.version}\n`);
  process.exit(3);
}

// Reuse V8's compiled code across runs (a cache in the OS temp directory):
// a pipeline step runs gatehouse cold, and module loading dominates that.
const { enableCompileCache } = await import('node:module');
enableCompileCache();
const { runProcess } = await import('./run.ts');
process.exitCode = await runProcess(process.argv.slice(2));
