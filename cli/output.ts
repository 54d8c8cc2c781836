import { appendFile } from 'node:fs/promises';
import { describeThrown } from '../src/error.ts';
import { escapeControls } from '../src/io/text.ts';

/** Where commands write: results to stdout, diagnostics to stderr, one line per call. Injected so tests can capture both. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** An Output that escapes every line it is given (see escapeControls); the CLI writes only through one. */
export function safeOutput(output: Output): Output {
  return { out: (line) => output.out(escapeControls(line)), err: (line) => output.err(escapeControls(line)) };
}

/** The process's stdout and stderr. */
export const processOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Writes text that has line breaks of its own (help, pretty JSON) a line at a time. */
export function printLines(write: (line: string) => void, text: string): void {
  for (const line of text.trimEnd().split('\n')) write(line);
}

/** Prints a value as pretty JSON; JSON escapes line breaks inside strings, so its own are the only ones. */
export function printJSON(output: Output, value: unknown): void {
  printLines((line) => output.out(line), JSON.stringify(value, null, 2));
}

/**
 * Appends a Markdown summary to the file GitHub Actions names in
 * GITHUB_STEP_SUMMARY, when it is set, so the job page shows it (the summary
 * is made only then). A summary
 * that cannot be written is a warning: the verdict and exit code stand.
 */
export async function appendStepSummary(markdown: () => string | Promise<string>, output: Output): Promise<void> {
  const path = process.env['GITHUB_STEP_SUMMARY'];
  if (path === undefined || path === '') return;
  try {
    await appendFile(path, `${(await markdown()).trimEnd()}\n\n`);
  } catch (error) {
    output.err(`gatehouse: warning: could not append the summary to GITHUB_STEP_SUMMARY (${path}): ${describeThrown(error)}`);
  }
}
