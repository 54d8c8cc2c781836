#!/usr/bin/env node
// Entry point: the only place that exits the process.
import { main } from './index.ts';

process.exitCode = await main(process.argv.slice(2));
