/** Where commands write: results to stdout, diagnostics to stderr, one line per call. Injected so tests can capture both. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

// Characters that move the cursor, erase, recolour, start a new line or reorder
// text on a terminal: C0 and C1 controls, DEL, line and paragraph separators,
// and the bidirectional overrides and isolates.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as a terminal shows it literally: every unsafe character, newlines
 * included, becomes a \uXXXX escape. File names, signer identities and reasons
 * in output can be chosen by whoever wrote a bundle; escaped, none of them can
 * erase a DENIED line or start a line with a convincing ALLOWED of their own.
 */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
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
