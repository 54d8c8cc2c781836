// triggerRollback on its own: a function called, a command run through the
// shell with the event on stdin and its fields in GATEHOUSE_* variables, a
// webhook on loopback retried until it accepts. A rollback that did not happen
// is an EndpointError that says why.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { CanaryMetricResult } from '../../../src/attest/predicates.ts';
import { triggerRollback, type RollbackEvent } from '../../../src/gates/canary/rollback.ts';
import { EndpointError } from '../../../src/io/error.ts';
import { rejection } from '../../support/refusal.ts';
import { temporaryDirectory } from '../../helpers.ts';

const EVENT: RollbackEvent = {
  event: 'gatehouse.canary.rollback',
  subject: `sha256:${'aa'.repeat(32)}`,
  deployed: `sha256:${'bb'.repeat(32)}`,
  metric: 'error_rate',
  at: '2026-11-30T10:05:00Z',
  reason: "error_rate: the canary's rate is higher than the baseline's by more than 0.01",
  evidence: { name: 'error_rate', verdict: 'fail' } as unknown as CanaryMetricResult,
};

describe('triggerRollback', () => {
  it('calls a function with the event', async () => {
    const told: RollbackEvent[] = [];
    await triggerRollback({ call: async (event) => void told.push(event) }, EVENT);
    expect(told).toEqual([EVENT]);
  });

  it('runs a command with the event as one JSON line on stdin and its fields in the environment', async () => {
    const dir = await temporaryDirectory();
    const command = `cat > '${join(dir, 'stdin')}'; printf '%s\\n' "$GATEHOUSE_SUBJECT" "$GATEHOUSE_DEPLOYED" "$GATEHOUSE_METRIC" "$GATEHOUSE_AT" "$PATH" > '${join(dir, 'env')}'`;
    await triggerRollback({ command }, EVENT);
    expect(readFileSync(join(dir, 'stdin'), 'utf8')).toBe(`${JSON.stringify(EVENT)}\n`);
    expect(readFileSync(join(dir, 'env'), 'utf8')).toBe(`${[EVENT.subject, EVENT.deployed, EVENT.metric, EVENT.at, process.env['PATH']].join('\n')}\n`);
  });

  it('refuses a command that exits non-zero, with the last line it wrote to stderr', async () => {
    const noisy = await rejection(triggerRollback({ command: 'cat > /dev/null; echo first >&2; echo second >&2; echo "  kubectl: not allowed  " >&2; exit 3' }, EVENT), EndpointError);
    expect([noisy.code, noisy.message]).toEqual(['REQUEST_FAILED', 'rollback command exited 3: kubectl: not allowed']);
    const quiet = await rejection(triggerRollback({ command: 'exit 7' }, EVENT), EndpointError);
    expect(quiet.message).toBe('rollback command exited 7');
    const blank = await rejection(triggerRollback({ command: 'echo "   " >&2; exit 1' }, EVENT), EndpointError);
    expect(blank.message).toBe('rollback command exited 1');
    // Only the last 500 characters of stderr are kept; the last line is among them.
    const long = await rejection(triggerRollback({ command: `head -c 5000 /dev/zero | tr '\\0' x >&2; echo >&2; echo the-end >&2; exit 2` }, EVENT), EndpointError);
    expect(long.message).toBe('rollback command exited 2: the-end');
  });

  it('refuses a command killed by a signal, naming the signal', async () => {
    const killed = await rejection(triggerRollback({ command: 'kill -TERM $$' }, EVENT), EndpointError);
    expect(killed.message).toBe('rollback command exited SIGTERM');
  });

  it('does not fail when a command that succeeds never reads its stdin, and does not stall on what it prints', async () => {
    await triggerRollback({ command: 'exit 0' }, { ...EVENT, reason: 'x'.repeat(1 << 20) });
    // Its stdout goes nowhere: a pipe nobody reads would fill and stop it.
    await triggerRollback({ command: 'cat > /dev/null; head -c 1000000 /dev/zero' }, EVENT);
  });

  it('POSTs the event to a webhook as JSON, retrying a server error until it is accepted', async () => {
    const received: Array<{ status: number; type: string | undefined; body: unknown }> = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const status = received.length < 2 ? 503 : 200;
        received.push({ status, type: request.headers['content-type'], body: JSON.parse(body) });
        response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rollback`;
      await triggerRollback({ webhook: url, backoffMs: 1 }, EVENT);
      expect(received).toEqual([503, 503, 200].map((status) => ({ status, type: 'application/json', body: EVENT })));

      // By default five retries, with a backoff starting at half a second, each attempt given 10 s.
      received.length = 0;
      const timeouts = vi.spyOn(AbortSignal, 'timeout');
      const started = Date.now();
      try {
        await triggerRollback({ webhook: url }, EVENT);
        expect(timeouts.mock.calls).toEqual([[10_000], [10_000], [10_000]]);
      } finally {
        timeouts.mockRestore();
      }
      expect(received.map((one) => one.status)).toEqual([503, 503, 200]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);

      // A webhook that never accepts: the rollback did not happen.
      received.length = 0;
      const always = createServer((_request, response) => response.writeHead(500).end());
      await new Promise<void>((resolve) => always.listen(0, '127.0.0.1', resolve));
      try {
        const failing = `http://127.0.0.1:${(always.address() as AddressInfo).port}/rollback`;
        const error = await rejection(triggerRollback({ webhook: failing, retries: 1, backoffMs: 1 }, EVENT), EndpointError);
        expect(error.message).toContain(`rollback webhook ${failing}`);
        expect(error.message).toContain('no answer after 2 attempts');
        const defaults = await rejection(triggerRollback({ webhook: failing, backoffMs: 1 }, EVENT), EndpointError);
        expect(defaults.message).toContain('no answer after 6 attempts');
      } finally {
        always.close();
      }
    } finally {
      server.close();
    }
  });
});
