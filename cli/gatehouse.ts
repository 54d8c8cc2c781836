#!/usr/bin/env node
// Entry point: the only place that exits the process.
import { enableCompileCache } from 'node:module';

// Reuse V8's compiled code across runs (a cache in the OS temp directory):
// a pipeline step runs gatehouse cold, and module loading dominates that.
enableCompileCache();
const { main } = await import('./index.ts');

process.exitCode = await main(process.argv.slice(2));
