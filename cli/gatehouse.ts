#!/usr/bin/env node
// Entry point: the only place that exits the process.
import { enableCompileCache } from 'node:module';

// Reuse V8's compiled code across runs (a cache in the OS temp directory):
// a pipeline step runs gatehouse cold, and module loading dominates that.
enableCompileCache();
const { main } = await import('./index.ts');

// A reader that stops early (`gatehouse verify … | head -1`) closes stdout: what
// is left to print has nowhere to go, and the command still ends with its own
// exit code rather than an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stream.write = () => true;
  });
}

process.exitCode = await main(process.argv.slice(2));
