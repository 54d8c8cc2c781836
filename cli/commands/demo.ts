import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ExitError, EXIT } from '../exit.ts';
import { printJSON, type Output } from '../output.ts';

export function registerDemo(program: Command, output: Output): void {
  program
    .command('demo')
    .description('walk through gatehouse end to end on a generated model: keys, signed model, gates, verification, a tampered copy')
    .option('--dir <dir>', 'work in this directory (default: a new temporary one)')
    .option('--json', 'print what the demo did as JSON instead of the walk-through')
    .action(async (flags: { dir?: string; json?: boolean }) => {
      const { runDemo } = await import('../../src/demo/demo.ts');
      const summary = await runDemo(flags.dir ?? (await mkdtemp(join(tmpdir(), 'gatehouse-demo-'))), flags.json ? () => {} : (line) => output.out(line));
      if (flags.json) printJSON(output, summary);
      if (!summary.complete) throw new ExitError(EXIT.internal);
    });
}
