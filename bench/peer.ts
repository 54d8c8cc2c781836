// Runs a Python peer from bench/peers/ on columns the benchmark hands over as
// raw float64 files, and returns the JSON it prints. Returns undefined (and
// says so) when the virtualenv is missing, so a benchmark still prints its own figures.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const python = join(root, '.venv', 'bin', 'python');

export function runPeer(script: string, columns: Record<string, Float64Array>, args: string[]): Record<string, unknown> | undefined {
  if (!existsSync(python)) {
    console.log(`${script}: .venv missing (npm run tools), peer left out of this run`);
    return undefined;
  }
  const directory = mkdtempSync(join(tmpdir(), 'gatehouse-bench-peer-'));
  try {
    for (const [name, values] of Object.entries(columns)) writeFileSync(join(directory, `${name}.f64`), values);
    const run = spawnSync(python, [join(root, 'bench', 'peers', script), directory, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (run.status !== 0) throw new Error(`${script} failed: ${run.stderr.trim().split('\n').at(-1)}`);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
