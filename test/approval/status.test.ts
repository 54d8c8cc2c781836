import { describe, expect, it } from 'vitest';
import { requestStatus } from '../../src/approval/status.ts';
import type { ApprovalRecord, RequestRecord } from '../../src/approval/state.ts';
import type { ApprovalPolicy } from '../../src/policy/data.ts';

const policy = { requesters: ['rm'], roles: { a: ['x', 'y'], b: ['x'], lead: ['z'] }, escalation_roles: ['lead'] } as unknown as ApprovalPolicy;
const request = {
  id: 'sha256:request',
  signer: { name: 'key:rm', ids: ['rm'] },
  evaluated_at_ms: 0,
  signed_at_ms: null,
  predicate: { requestId: 'r', createdAt: '1970-01-01T00:00:00Z', deadline: '1970-01-01T01:00:00Z', risk: { tier: 'medium' }, required: { approvals: 2, roles: { a: 1, b: 1 } }, deepReview: { selected: false } },
} as unknown as RequestRecord;
const approve = (id: string, atMs: number) =>
  ({ id: `sha256:${id}`, signer: { name: `key:${id}`, ids: [id] }, evaluated_at_ms: atMs, signed_at_ms: null, predicate: { decision: 'approve', evaluatedAt: new Date(atMs).toISOString(), justification: 'ok' } }) as unknown as ApprovalRecord;

describe('requestStatus', () => {
  describe('when one approver is in two required roles', () => {
    it('counts them for one role only, as the policy does: x and y fill a twice and leave b empty', () => {
      expect(requestStatus(request, [approve('x', 1000), approve('y', 2000)], policy, 3000, true).state).toBe('pending');
    });
  });
  describe('when the request is overdue', () => {
    it('lets an escalation role member who approved after the deadline stand in for the missing role', () => {
      const late = 2 * 3_600_000;
      expect(requestStatus(request, [approve('x', 1000), approve('z', late)], policy, late + 1, true).state).toBe('approved');
      expect(requestStatus(request, [approve('x', 1000), approve('z', 2000)], policy, late + 1, true).state).toBe('escalated');
    });
  });
});
