/** Where commands write: results to stdout, diagnostics to stderr. Injected so tests can capture both. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const processOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Prints a value as pretty JSON. */
export function printJSON(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}
