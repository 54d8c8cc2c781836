// The approval workflow through the real CLI (its main(), with the committed
// example bundle and the demo keys it trusts), on candidate A's legitimate
// chain from the demo: requests, k-of-n from roles, independence, veto,
// revocation, stale packets, expiry, escalation with a webhook, deep review,
// break-glass, status and audit. Keyless approvers sign through @sigstore/mock.
// One case runs on an OCI registry store (go-containerregistry's, on loopback).
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { COMMITTED_BUNDLE, POLICY_PUB, DEMO_KEYS, cli, makeWorld, resigned, signWith as signStatementWith, storeOf, verify, type World } from '../attacks/world.ts';
import { DEMO_KEY_FINGERPRINTS } from '../../src/policy/demo-keys.ts';
import { buildTestBundle } from '../support/policy.ts';
import { ISSUER, SUBJECT, startMockSigstore } from '../support/sigstore-mock.ts';
import { startReferrersRegistry } from '../support/registry.ts';
import { OCIAttestationStore } from '../../src/store/oci-store.ts';

let world: World;

beforeAll(async () => {
  world = await makeWorld();
}, 180_000);

afterAll(() => world?.cleanup());

const key = (name: string) => join(DEMO_KEYS, `${name}.key`);
const fingerprint = (name: string) => DEMO_KEY_FINGERPRINTS[name]!;
const policy = ['--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB];
// Times relative to when the demo judged the chain.
const at = (minutes: number) => new Date(world.judgedAt.getTime() + minutes * 60_000).toISOString();

async function request(store: string, minutes: number, extra: string[] = []): Promise<string> {
  const result = await cli(['approval', 'request', '--subject', world.subject, '--stage', 'production-canary', '--deployed', world.deployed, '--store', store, ...policy, '--signing-key', key('release-manager'), '--at', at(minutes), '--json', ...extra]);
  expect(result.stderr.replace(/^gatehouse: warning: this policy trusts.*$/m, '').trim()).toBe('');
  expect(result.code).toBe(0);
  return result.json.request as string;
}

// An approver's decision; when the request drew a deep review (a fifth of them, by its random nonce), each sampled item is judged.
async function sign(store: string, digest: string, signer: string, decision: 'approve' | 'reject', minutes: number, extra: string[] = []) {
  const review = await cli(['approval', 'review', digest, '--store', store, ...policy, '--at', at(minutes), '--json']);
  const findings: string[] = [];
  if (review.code === 0 && review.json.deepReview.selected) {
    const path = join(world.dir, `findings-${digest.slice(7, 19)}.json`);
    writeFileSync(path, JSON.stringify(review.json.deepReview.items.map((item: string) => ({ item, judgment: 'ok' }))));
    findings.push('--findings', path);
  }
  return cli(['approval', 'sign', digest, '--store', store, ...policy, '--signing-key', key(signer), '--decision', decision, '--justification', `${signer} reviewed it`, '--at', at(minutes), ...findings, ...extra]);
}

async function decide(store: string, minutes: number) {
  const result = await verify(world, store, ['--at', at(minutes)], 'production-canary');
  return { allowed: result.json.allowed as boolean, codes: (result.json.violations as Array<{ code: string }>).map((v) => v.code), json: result.json, code: result.code };
}

describe('gatehouse approval', () => {
  describe('request', () => {
    it('records a medium-risk request for production-canary covering exactly the chain, and refuses a second one for the same evidence', async () => {
      const store = storeOf(world);
      const digest = await request(store, 1);
      const review = await cli(['approval', 'review', digest, '--store', store, ...policy, '--at', at(2), '--json']);
      expect(review.code).toBe(0);
      expect(review.json.risk.tier).toBe('medium');
      expect(review.json.required.approvals).toBe(2);
      expect(review.json.gates.map((g: { gate: string }) => g.gate)).toEqual(['integrity', 'provenance', 'regression', 'safety', 'bias', 'robustness', 'backdoor']);
      const again = await cli(['approval', 'request', '--subject', world.subject, '--stage', 'production-canary', '--deployed', world.deployed, '--store', store, ...policy, '--signing-key', key('release-manager'), '--at', at(3)]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already covers this evidence');
    });

    it('refuses a requester policy data does not name, and a stage without approval', async () => {
      const store = storeOf(world);
      const byAlice = await cli(['approval', 'request', '--subject', world.subject, '--stage', 'production-canary', '--store', store, ...policy, '--signing-key', key('approver-alice'), '--at', at(1)]);
      expect(byAlice.code).toBe(1);
      expect(byAlice.stderr).toMatch(/approval refused: approver-alice is not a requester/);
      const staging = await cli(['approval', 'request', '--subject', world.subject, '--stage', 'staging', '--store', store, ...policy, '--signing-key', key('release-manager'), '--at', at(1)]);
      expect(staging.code).toBe(2);
      expect(staging.stderr).toContain('stage staging does not require approval');
    });

    it('raises the tier from a risk file: sensitive use is high, and high needs two ML reviewers and a safety reviewer', async () => {
      const store = storeOf(world);
      const risk = join(world.dir, 'risk.json');
      writeFileSync(risk, JSON.stringify({ sensitive_use: true }));
      const digest = await request(store, 1, ['--risk', risk]);
      for (const signer of ['approver-alice', 'approver-carol']) expect((await sign(store, digest, signer, 'approve', 5)).code).toBe(0);
      const short = await decide(store, 6);
      expect(short.allowed).toBe(false);
      expect(short.json.violations.find((v: { code: string }) => v.code === 'approvals_insufficient').msg).toBe('approval: 2 distinct eligible approver(s) for stage production-canary at risk tier high, 3 required; role ml-reviewers lacks 1');
      expect((await sign(store, digest, 'approver-bob', 'approve', 7)).code).toBe(0);
      expect((await decide(store, 8)).allowed).toBe(true);
    });
  });

  describe('sign and decide', () => {
    it('needs k approvals from distinct roles: two ML reviewers are not one ML and one safety reviewer', async () => {
      const store = storeOf(world);
      const digest = await request(store, 1);
      expect((await decide(store, 2)).codes).toEqual(['approvals_insufficient', 'required_gate_missing', 'required_gate_unsatisfied']);
      expect((await sign(store, digest, 'approver-alice', 'approve', 3)).code).toBe(0);
      expect((await sign(store, digest, 'approver-bob', 'approve', 4)).code).toBe(0);
      const twoReviewers = await decide(store, 5);
      expect(twoReviewers.allowed).toBe(false);
      expect(twoReviewers.json.violations.map((v: { msg: string }) => v.msg)).toEqual(['approval: 2 distinct eligible approver(s) for stage production-canary at risk tier medium, 2 required; role safety-reviewers lacks 1']);
      expect((await sign(store, digest, 'approver-carol', 'approve', 6)).code).toBe(0);
      const allowed = await decide(store, 7);
      expect(allowed.allowed).toBe(true);
      expect(allowed.json.gates.approval.signers).toHaveLength(3);
    });

    it('works the same on an OCI registry store: the chain attached there, request, approvals and decision', async () => {
      const registry = await startReferrersRegistry();
      try {
        const store = registry.repository();
        const opened = new OCIAttestationStore(store);
        for (const bundle of world.chain) await opened.put(bundle.bytes);
        const digest = await request(store, 1);
        expect((await decide(store, 2)).codes).toEqual(['approvals_insufficient', 'required_gate_missing', 'required_gate_unsatisfied']);
        for (const [index, approver] of ['approver-alice', 'approver-bob', 'approver-carol'].entries()) expect((await sign(store, digest, approver, 'approve', 3 + index)).code).toBe(0);
        const allowed = await decide(store, 7);
        expect(allowed.allowed).toBe(true);
        expect(allowed.json.gates.approval.signers).toHaveLength(3);
        expect((await opened.checkInventory()).problems).toEqual([]);
      } finally {
        await registry.stop();
      }
    }, 120_000);

    it('refuses self-approval, author approval and gate-signer approval, storing nothing', async () => {
      const store = storeOf(world);
      const digest = await request(store, 1);
      const self = await sign(store, digest, 'release-manager', 'approve', 2);
      expect(self.code).toBe(1);
      expect(self.stderr).toContain('approval refused: release-manager signed this approval request; nobody decides their own request');
      const author = await sign(store, digest, 'training-pipeline', 'approve', 2);
      expect(author.code).toBe(1);
      expect(author.stderr).toContain('training-pipeline signed the model; its author cannot approve it');
      const gateSigner = await sign(store, digest, 'regression-gate', 'approve', 2);
      expect(gateSigner.code).toBe(1);
      expect(gateSigner.stderr).toContain('regression-gate signed the regression evidence under review');
      const status = await cli(['approval', 'status', '--subject', world.subject, '--stage', 'production-canary', '--store', store, ...policy, '--at', at(3), '--json']);
      expect(status.json.requests[0].decisions).toEqual([]);
      expect(status.json.requests[0].state).toBe('pending');
      // A key signer's identity is known before signing: a refused approval is never signed.
      const { signApproval } = await import('../../src/approval/sign.ts');
      const { readKeySigner } = await import('../../src/sign/key/key-signer.ts');
      const { FileSystemAttestationStore } = await import('../../src/store/fs-store.ts');
      const { readPolicyBundle, readPolicyKey } = await import('../../src/policy/bundle.ts');
      const requester = await readKeySigner(key('release-manager'));
      const neverSigns = Object.assign(Object.create(requester) as typeof requester, { sign: () => Promise.reject(new Error('signed a refused approval')) });
      const refused = signApproval({ request: digest, store: new FileSystemAttestationStore(store), policy: await readPolicyBundle(COMMITTED_BUNDLE, await readPolicyKey(POLICY_PUB)), signing: { signer: neverSigns }, decision: 'approve', justification: 'mine', evaluatedAt: new Date(at(3)) });
      await expect(refused).rejects.toThrow('release-manager signed this approval request');
    });

    it('treats a reject from an eligible approver as a veto that enough approvals do not outvote', async () => {
      const store = storeOf(world);
      const digest = await request(store, 1);
      for (const signer of ['approver-alice', 'approver-carol']) expect((await sign(store, digest, signer, 'approve', 3)).code).toBe(0);
      expect((await sign(store, digest, 'approver-bob', 'reject', 4)).code).toBe(0);
      const vetoed = await decide(store, 5);
      expect(vetoed.allowed).toBe(false);
      expect(vetoed.codes).toContain('approval_rejected');
      const status = await cli(['approval', 'status', '--subject', world.subject, '--stage', 'production-canary', '--store', store, ...policy, '--at', at(5), '--json']);
      expect(status.json.requests[0].state).toBe('rejected');
    });

    it("lets an approver's later word replace the earlier one (revocation, then approval again)", async () => {
      const store = storeOf(world);
      const digest = await request(store, 1);
      expect((await sign(store, digest, 'approver-alice', 'approve', 2)).code).toBe(0);
      expect((await sign(store, digest, 'approver-carol', 'approve', 3)).code).toBe(0);
      expect((await decide(store, 4)).allowed).toBe(true);
      expect((await sign(store, digest, 'approver-carol', 'reject', 5)).code).toBe(0);
      expect((await decide(store, 6)).codes).toEqual(expect.arrayContaining(['approval_rejected', 'approvals_insufficient']));
      expect((await sign(store, digest, 'approver-carol', 'approve', 7)).code).toBe(0);
      expect((await decide(store, 8)).allowed).toBe(true);
    });

    it('stops counting an approval once a gate is re-run after it, and refuses to approve the stale packet', async () => {
      const store = storeOf(world);
      const digest = await request(store, 1);
      for (const signer of ['approver-alice', 'approver-carol']) expect((await sign(store, digest, signer, 'approve', 2)).code).toBe(0);
      expect((await decide(store, 3)).allowed).toBe(true);
      // The regression gate runs again (same figures, a later time): its new attestation is the evidence now.
      const rerun = await resigned(world, 'regression', (predicate) => {
        predicate['evaluatedAt'] = at(4);
      });
      writeFileSync(join(store, 'regression-rerun.json'), rerun);
      const after = await decide(store, 5);
      expect(after.allowed).toBe(false);
      expect(after.json.violations.find((v: { code: string }) => v.code === 'approval_request_missing').msg).toContain('a gate was re-run since');
      const stale = await sign(store, digest, 'approver-bob', 'approve', 6);
      expect(stale.code).toBe(1);
      expect(stale.stderr).toContain('the evidence changed since request');
      // A new request over the new evidence can be approved.
      const renewed = await request(store, 7);
      for (const signer of ['approver-alice', 'approver-carol']) expect((await sign(store, renewed, signer, 'approve', 8)).code).toBe(0);
      expect((await decide(store, 9)).allowed).toBe(true);
    });

    it('lets approvals expire after the approval window (3 days), measured from when they were signed', async () => {
      const store = storeOf(world);
      const digest = await request(store, 1);
      for (const signer of ['approver-alice', 'approver-carol']) expect((await sign(store, digest, signer, 'approve', 2)).code).toBe(0);
      expect((await decide(store, 2 + 3 * 24 * 60)).allowed).toBe(true);
      const expired = await decide(store, 3 + 3 * 24 * 60);
      expect(expired.allowed).toBe(false);
      expect(expired.codes).toContain('required_gate_unsatisfied');
    });

    it('escalates an overdue request to the escalation role, tells the webhook (retrying), and lets the lead stand in only after the deadline', async () => {
      const received: Array<Record<string, any>> = [];
      let attempts = 0;
      const server: Server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          attempts += 1;
          // The first attempt fails: delivery is retried.
          if (attempts === 1) {
            res.writeHead(503).end();
            return;
          }
          received.push(JSON.parse(body));
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
      try {
        const store = storeOf(world);
        const digest = await request(store, 1, ['--notify', url]);
        expect(received.map((event) => event.type)).toEqual(['approval.requested']);
        expect(received[0]!.eligible).toEqual(['approver-alice', 'approver-bob', 'approver-carol']);
        expect((await sign(store, digest, 'approver-alice', 'approve', 2)).code).toBe(0);
        const early = await sign(store, digest, 'approver-dave', 'approve', 3);
        expect(early.code).toBe(1);
        expect(early.stderr).toContain('escalation roles may once it is overdue');
        const overdue = 25 * 60;
        const status = await cli(['approval', 'status', '--subject', world.subject, '--stage', 'production-canary', '--store', store, ...policy, '--at', at(overdue), '--notify', url, '--json']);
        expect(status.code).toBe(0);
        expect(status.json.requests[0].state).toBe('escalated');
        expect(status.json.requests[0].canAct).toEqual(['approver-bob', 'approver-carol', 'approver-dave']);
        expect(received.map((event) => event.type)).toEqual(['approval.requested', 'approval.escalated']);
        expect(received[1]!.eligible).toContain('approver-dave');
        // Nothing is approved by default: still denied until someone acts.
        expect((await decide(store, overdue + 1)).allowed).toBe(false);
        expect((await sign(store, digest, 'approver-dave', 'approve', overdue + 2)).code).toBe(0);
        expect((await decide(store, overdue + 3)).allowed).toBe(true);
      } finally {
        server.close();
      }
    });

    it('names a webhook that never answers and exits 3, with the request stored', async () => {
      const store = storeOf(world);
      const result = await cli(['approval', 'request', '--subject', world.subject, '--stage', 'production-canary', '--deployed', world.deployed, '--store', store, ...policy, '--signing-key', key('release-manager'), '--at', at(1), '--notify', 'http://127.0.0.1:9/hook']);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('notification to http://127.0.0.1:9/hook failed');
      const status = await cli(['approval', 'status', '--subject', world.subject, '--stage', 'production-canary', '--store', store, ...policy, '--at', at(2), '--json']);
      expect(status.json.requests).toHaveLength(1);
    }, 30_000);
  });

  describe('deep review', () => {
    it('refuses an approval missing a judgment of each sampled item; the decision refuses one made around the CLI', async () => {
      // A policy that draws a deep review for every request, and still accepts the chain judged under the committed bundle.
      const { createHash } = await import('node:crypto');
      const { readFileSync } = await import('node:fs');
      const committed = `sha256:${createHash('sha256').update(readFileSync(COMMITTED_BUNDLE)).digest('hex')}`;
      const built = await buildTestBundle((data) => {
        data.approval.deep_review = { rate: 1, items: 2 };
        data.accepted_policies = [committed];
      });
      try {
        const strict = ['--policy', built.path, '--policy-key', POLICY_PUB];
        const store = storeOf(world);
        const asked = await cli(['approval', 'request', '--subject', world.subject, '--stage', 'production-canary', '--deployed', world.deployed, '--store', store, ...strict, '--signing-key', key('release-manager'), '--at', at(1), '--json']);
        expect(asked.code).toBe(0);
        const items: string[] = asked.json.predicate.deepReview.items;
        expect(asked.json.predicate.deepReview.selected).toBe(true);
        expect(items).toHaveLength(2);
        const signWith = (signer: string, extra: string[]) => cli(['approval', 'sign', asked.json.request, '--store', store, ...strict, '--signing-key', key(signer), '--decision', 'approve', '--justification', 'ok', '--at', at(2), ...extra]);
        const bare = await signWith('approver-alice', []);
        expect(bare.code).toBe(1);
        expect(bare.stderr).toContain(`drew a deep review: judge each sampled item (missing: ${items.join(', ')})`);
        const findings = join(world.dir, 'findings.json');
        writeFileSync(findings, JSON.stringify(items.map((item) => ({ item, judgment: 'ok' }))));
        const alice = await signWith('approver-alice', ['--findings', findings, '--json']);
        expect(alice.code).toBe(0);
        expect((await signWith('approver-carol', ['--findings', findings])).code).toBe(0);
        const decided = await verify(world, store, ['--at', at(3), '--policy', built.path], 'production-canary');
        expect(decided.json.violations).toEqual([]);
        // Bob's approval signed around the CLI, without the judgments: the policy denies it.
        const statement = structuredClone(alice.json.statement);
        delete statement.predicate.findings;
        writeFileSync(join(store, 'bob-no-findings.json'), await signStatementWith('approver-bob', statement));
        const around = await verify(world, store, ['--at', at(3), '--policy', built.path], 'production-canary');
        expect(around.json.violations.map((v: { msg: string }) => v.msg)).toEqual([`approval: key:${fingerprint('approver-bob')} approved without judging every deep-review item (missing: ${[...items].sort().join(', ')})`]);
      } finally {
        built.cleanup();
      }
    });
  });

  describe('break-glass', () => {
    it('stands in for approvals only for a break-glass role, shows in the decision, and does not lift a veto', async () => {
      const store = storeOf(world);
      const notOnCall = await cli(['approval', 'break-glass', '--subject', world.subject, '--stage', 'production-canary', '--reason', 'outage', '--store', store, ...policy, '--signing-key', key('approver-alice'), '--at', at(1)]);
      expect(notOnCall.code).toBe(1);
      const glass = await cli(['approval', 'break-glass', '--subject', world.subject, '--stage', 'production-canary', '--reason', 'incident 7: rollback', '--store', store, ...policy, '--signing-key', key('oncall-erin'), '--at', at(1)]);
      expect(glass.code).toBe(0);
      expect(glass.stderr).toContain('BREAK-GLASS');
      const decided = await decide(store, 2);
      expect(decided.allowed).toBe(true);
      expect(decided.json.break_glass).toEqual([expect.objectContaining({ reason: 'incident 7: rollback' })]);
      // After its window (4 hours) it stands in for nothing.
      expect((await decide(store, 4 * 60 + 2)).allowed).toBe(false);
      const digest = await request(store, 3);
      expect((await sign(store, digest, 'approver-bob', 'reject', 4)).code).toBe(0);
      expect((await decide(store, 5)).codes).toContain('approval_rejected');
      const audit = await cli(['approval', 'audit', '--store', store, ...policy, '--at', at(6), '--json']);
      expect(audit.json.breakGlass).toEqual([expect.objectContaining({ signer: 'oncall-erin', reason: 'incident 7: rollback', stage: 'production-canary' })]);
    });
  });

  describe('audit', () => {
    it('reports each approver: decisions, approve rate, median review time and reviews faster than plausible', async () => {
      const store = storeOf(world);
      const digest = await request(store, 0);
      // alice decides after 2 minutes (under the plausible 5), carol after 30.
      expect((await sign(store, digest, 'approver-alice', 'approve', 2)).code).toBe(0);
      expect((await sign(store, digest, 'approver-carol', 'approve', 30)).code).toBe(0);
      expect((await sign(store, digest, 'approver-carol', 'reject', 40)).code).toBe(0);
      const html = join(world.dir, 'audit.html');
      const audit = await cli(['approval', 'audit', '--store', store, ...policy, '--at', at(60), '--json', '--html', html]);
      expect(audit.code).toBe(0);
      expect(audit.json.minReviewSeconds).toBe(300);
      expect(audit.json.approvers).toEqual([
        expect.objectContaining({ approver: 'approver-alice', decisions: 1, approvals: 1, rejections: 0, approveRate: 1, medianReviewSeconds: 120, fastShare: 1, reviewSeconds: [120] }),
        expect.objectContaining({ approver: 'approver-carol', decisions: 2, approvals: 1, rejections: 1, approveRate: 0.5, medianReviewSeconds: 2100, fastShare: 0, reviewSeconds: [1800, 2400] }),
      ]);
      expect(audit.json.requests).toEqual({ total: 1, pending: 0, approved: 0, rejected: 1, overdue: 0, deepReviews: expect.any(Number) });
      const later = await cli(['approval', 'audit', '--store', store, ...policy, '--at', at(60), '--since', at(1), '--json']);
      expect(later.json.approvers).toEqual([]);
    });
  });

  describe('keyless approvers', () => {
    it('counts a keyless approver matched by issuer and subject in a role, through @sigstore/mock', async () => {
      // The mocks' clock is fixed, in whole seconds, when they start: what is signed claims a time before it.
      const now = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
      const sigstore = await startMockSigstore();
      const { createHash } = await import('node:crypto');
      const { readFileSync } = await import('node:fs');
      const committed = `sha256:${createHash('sha256').update(readFileSync(COMMITTED_BUNDLE)).digest('hex')}`;
      const built = await buildTestBundle((data) => {
        data.signers['ci-reviewer'] = { kind: 'keyless', issuer: ISSUER, subject: SUBJECT };
        data.trusted_root = TrustedRoot.toJSON(sigstore.trustedRoot);
        data.gates.approval.signers.push('ci-reviewer');
        data.approval.roles['safety-reviewers'] = ['ci-reviewer'];
        data.approval.deep_review = { rate: 0, items: 1 };
        data.accepted_policies = [committed];
      });
      try {
        const strict = ['--policy', built.path, '--policy-key', POLICY_PUB];
        const store = storeOf(world);
        const asked = await cli(['approval', 'request', '--subject', world.subject, '--stage', 'production-canary', '--deployed', world.deployed, '--store', store, ...strict, '--signing-key', key('release-manager'), '--at', now.toISOString(), '--json']);
        expect(asked.code).toBe(0);
        const { signApproval } = await import('../../src/approval/sign.ts');
        const { FileSystemAttestationStore } = await import('../../src/store/fs-store.ts');
        const { readPolicyBundle, readPolicyKey } = await import('../../src/policy/bundle.ts');
        const verified = await readPolicyBundle(built.path, await readPolicyKey(POLICY_PUB));
        const signed = await signApproval({ request: asked.json.request, store: new FileSystemAttestationStore(store), policy: verified, signing: sigstore.signing(), decision: 'approve', justification: 'reviewed in CI', evaluatedAt: now });
        expect(signed.approver).toBe('ci-reviewer');
        expect((await cli(['approval', 'sign', asked.json.request, '--store', store, ...strict, '--signing-key', key('approver-alice'), '--decision', 'approve', '--justification', 'ok', '--at', now.toISOString()])).code).toBe(0);
        const decided = await verify(world, store, ['--at', new Date(now.getTime() + 60_000).toISOString(), '--policy', built.path], 'production-canary');
        expect(decided.json.violations).toEqual([]);
        expect(decided.json.gates.approval.signers).toContain(`keyless:${ISSUER}|${SUBJECT}`);
      } finally {
        built.cleanup();
        sigstore.stop();
      }
    });
  });
});
