// Paths and process helpers shared by tests and benchmarks (no test-runner imports).
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const KEYS = join(FIXTURES, 'keys');
export const BUNDLES = join(FIXTURES, 'bundles');
export const MODEL_TREE = join(FIXTURES, 'model-tree');

/**
 * Path of a peer tool installed by scripts/install-tools.sh. Missing tools fail
 * the test instead of skipping it: interop tests must run wherever the suite runs.
 */
export function tool(relative: '.tools/bin/cosign' | '.tools/bin/opa' | '.tools/bin/kubecheck' | '.venv/bin/model_signing' | '.venv/bin/python'): string {
  const path = join(ROOT, relative);
  if (!existsSync(path)) throw new Error(`${relative} is missing: run npm run tools (npm test does this first)`);
  return path;
}

/** Runs the gatehouse CLI on this Node in a child process. */
export function gatehouse(args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [join(ROOT, 'cli', 'gatehouse.ts'), ...args], {
    ...childOptions(options),
    encoding: 'utf8',
    timeout: 120_000,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
}

/** Runs the gatehouse CLI like gatehouse(), without blocking this process (so a server in it can answer the CLI). */
export function gatehouseAsync(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'cli', 'gatehouse.ts'), ...args], { ...childOptions(options), timeout: 120_000 });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

function childOptions(options: { cwd?: string; env?: NodeJS.ProcessEnv }): { cwd: string; env: NodeJS.ProcessEnv } {
  // A CI job's own step summary is never written, nor a developer's key password used, unless a test names one.
  const { GITHUB_STEP_SUMMARY: _summary, COSIGN_PASSWORD: _cosign, GATEHOUSE_PASSWORD: _gatehouse, ...inherited } = process.env;
  return { cwd: options.cwd ?? ROOT, env: { ...inherited, ...options.env } };
}

/** Runs a program and returns its result; never throws on a non-zero exit. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { encoding: 'utf8', timeout: 300_000, ...options });
}
