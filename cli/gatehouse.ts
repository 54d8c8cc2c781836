#!/usr/bin/env node
// Entry point: the only place that exits the process.
import { enableCompileCache } from 'node:module';

// Reuse V8's compiled code across runs (a cache in the OS temp directory):
// a pipeline step runs gatehouse cold, and module loading dominates that.
enableCompileCache();
const { main } = await import('./index.ts');

// On a terminal, an encrypted key without a password in the environment is asked for.
if (process.stdin.isTTY && process.stderr.isTTY) {
  const [{ setPasswordPrompt }, { askPassword }] = await Promise.all([import('../src/keys/password.ts'), import('./prompt.ts')]);
  setPasswordPrompt(askPassword);
}

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
