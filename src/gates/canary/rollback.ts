import { spawn } from 'node:child_process';
import type { CanaryMetricResult } from '../../attest/predicates.ts';
import { postJSON } from '../../io/http.ts';
import { EndpointError } from '../../io/error.ts';

/** How a failed canary is rolled back: a webhook told with retries, a command run, or (for a program) a function called. */
export type RollbackAction = { webhook: string; timeoutMs?: number; retries?: number; backoffMs?: number } | { command: string } | { call: (event: RollbackEvent) => Promise<void> };

/** What a rollback is told: the canary, the metric that failed, and its evidence. */
export interface RollbackEvent {
  event: 'gatehouse.canary.rollback';
  subject: string;
  deployed: string;
  metric: string;
  at: string;
  reason: string;
  evidence: CanaryMetricResult;
}

/**
 * Triggers a rollback: POSTs the event as JSON to the webhook (retried with
 * backoff on time-outs, network errors, 429 and 5xx), or runs the command
 * through the shell with the event on stdin and its main fields in
 * GATEHOUSE_* variables. A webhook that never accepts, or a command that
 * exits non-zero, is an EndpointError: the rollback did not happen.
 */
export async function triggerRollback(action: RollbackAction, event: RollbackEvent): Promise<void> {
  if ('call' in action) return action.call(event);
  if ('webhook' in action) {
    await postJSON({ url: action.webhook, name: `rollback webhook ${action.webhook}`, body: event, timeoutMs: action.timeoutMs ?? 10_000, retries: action.retries ?? 5, backoffMs: action.backoffMs ?? 500 });
    return;
  }
  const env = { ...process.env, GATEHOUSE_SUBJECT: event.subject, GATEHOUSE_DEPLOYED: event.deployed, GATEHOUSE_METRIC: event.metric, GATEHOUSE_AT: event.at };
  await new Promise<void>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', action.command], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-500)));
    child.on('error', (error) => reject(new EndpointError({ code: 'REQUEST_FAILED', message: `rollback command: ${error.message}`, cause: error })));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new EndpointError({ code: 'REQUEST_FAILED', message: `rollback command exited ${signal ?? code}${stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').at(-1)!.trim()}`}` }));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${JSON.stringify(event)}\n`);
  });
}
