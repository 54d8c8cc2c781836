import { describe, expect, it } from 'vitest';
import { canaryGate, type CanaryGateRequest } from '../../src/gates/canary/index.ts';
import type { GateContext } from '../../src/gates/workflow.ts';

describe('canaryGate', () => {
  describe('when the window ends after the canary is judged', () => {
    it('refuses it as bad usage before asking or signing anything', async () => {
      const asked: unknown[] = [];
      const request = {
        subject: { name: 'model', digest: `sha256:${'c7'.repeat(32)}` },
        deployed: `sha256:${'d8'.repeat(32)}`,
        source: { description: { kind: 'prometheus', url: 'http://prometheus.invalid' }, queryRange: (query: unknown) => Promise.reject(asked.push(query)) },
        window: { start: new Date('2026-11-22T09:00:00Z'), end: new Date('2026-11-22T10:00:01Z') },
      } as unknown as CanaryGateRequest;
      const context = { evaluatedAt: new Date('2026-11-22T10:00:00Z') } as GateContext;
      await expect(canaryGate(request, context)).rejects.toMatchObject({ code: 'USAGE', message: 'the canary window ends at 2026-11-22T10:00:01Z, after the canary is judged (2026-11-22T10:00:00Z)' });
      expect(asked).toEqual([]);
    });
  });
});
