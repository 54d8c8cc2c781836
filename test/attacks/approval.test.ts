// Attacks on the human approval workflow: ways to get candidate A promoted to
// production-canary that the approval rules should refuse, each through the
// real CLI (main(), in this process) and the committed policy bundle, on the
// demo's legitimate chain. Requests and approvals are made with the CLI where
// it would make them, and signed around it (with the demo key an insider
// holds) where the attack needs a statement the CLI refuses to build. The
// legitimate workflow is allowed in the same file, so no case passes vacuously.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deepReviewOutcome, reviewItems } from '../../src/approval/statements.ts';
import { sha256Hex } from '../../src/digest/sha256.ts';
import { cli, codes, COMMITTED_BUNDLE, DEMO_KEYS, makeWorld, POLICY_PUB, resigned, signWith, statementOf, storeOf, verify, type CLIResult, type World } from './world.ts';

let world: World;

beforeAll(async () => {
  world = await makeWorld();
}, 180_000);

afterAll(() => world?.cleanup());

const STAGE = 'production-canary';
const policy = ['--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB];
const key = (name: string) => join(DEMO_KEYS, `${name}.key`);
const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;
// Times relative to when the demo judged the chain (the gates' evidence is fresh for 7 days, approvals for 3).
const at = (minutes: number) => new Date(world.judgedAt.getTime() + minutes * MINUTE).toISOString();

/** A request made with the CLI by the demo requester: its bundle digest, predicate and signed statement. */
async function request(store: string, minutes: number): Promise<{ digest: string; predicate: Record<string, any>; statement: ReturnType<typeof statementOf> }> {
  const result = await cli(['approval', 'request', '--subject', world.subject, '--stage', STAGE, '--deployed', world.deployed, '--store', store, ...policy, '--signing-key', key('release-manager'), '--at', at(minutes), '--json']);
  expect(result.code, result.stderr).toBe(0);
  return { digest: result.json.request, predicate: result.json.predicate, statement: statementOf(readFileSync(result.json.location)) };
}

/** An approver's decision with the CLI, judging each deep-review item when the request drew one. */
async function sign(store: string, digest: string, signer: string, decision: 'approve' | 'reject', minutes: number): Promise<CLIResult> {
  const review = await cli(['approval', 'review', digest, '--store', store, ...policy, '--at', at(minutes), '--json']);
  const findings: string[] = [];
  if (review.code === 0 && review.json.deepReview.selected) {
    const path = join(world.dir, `findings-${randomBytes(6).toString('hex')}.json`);
    writeFileSync(path, JSON.stringify(review.json.deepReview.items.map((item: string) => ({ item, judgment: 'ok' }))));
    findings.push('--findings', path);
  }
  return cli(['approval', 'sign', digest, '--store', store, ...policy, '--signing-key', key(signer), '--decision', decision, '--justification', `${signer} reviewed it`, '--at', at(minutes), '--json', ...findings]);
}

/** Signs with the CLI and expects it to be stored; returns the signed statement. */
async function signed(store: string, digest: string, signer: string, decision: 'approve' | 'reject', minutes: number): Promise<ReturnType<typeof statementOf>> {
  const result = await sign(store, digest, signer, decision, minutes);
  expect(result.code, result.stderr).toBe(0);
  return result.json.statement;
}

/** Puts a bundle signed around the CLI into the store as a loose file; returns its digest. */
function put(store: string, name: string, bytes: Buffer): string {
  writeFileSync(join(store, `${name}.json`), bytes);
  return `sha256:${sha256Hex(bytes)}`;
}

/** `gatehouse verify` of candidate A for production-canary at a time. */
function decide(store: string, minutes: number): Promise<CLIResult> {
  return verify(world, store, ['--at', at(minutes)], STAGE);
}

function allowed(result: CLIResult): void {
  expect(result.code, JSON.stringify(result.json?.violations)).toBe(0);
  expect(result.json.allowed).toBe(true);
}

/** An attack that must be refused: the decision denies with these violation codes among its own. */
function denied(result: CLIResult, ...expected: string[]): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.json?.allowed).toBe(false);
  for (const code of expected) expect(codes(result), JSON.stringify(result.json?.violations)).toContain(code);
}

/** A request predicate re-derived for a fresh nonce, as a requester signing around the CLI would make it (the draw matches its nonce). */
function withNonce(predicate: Record<string, any>, nonce: string, requestId: string): Record<string, any> {
  const copy = structuredClone(predicate);
  copy.nonce = nonce;
  copy.requestId = requestId;
  copy.deepReview = deepReviewOutcome(nonce, reviewItems(copy as never), 0.2, 3);
  return copy;
}

/** A nonce whose deep-review draw (at the committed policy's rate) is, or is not, selected. */
function nonceDrawing(selected: boolean, predicate: Record<string, any>): string {
  for (;;) {
    const nonce = randomBytes(32).toString('hex');
    if (deepReviewOutcome(nonce, reviewItems(predicate as never), 0.2, 3).selected === selected) return nonce;
  }
}

describe('the legitimate workflow', () => {
  it('is allowed to production-canary with an ML and a safety reviewer, and not before', async () => {
    const store = storeOf(world);
    const { digest } = await request(store, 1);
    denied(await decide(store, 2), 'approvals_insufficient');
    await signed(store, digest, 'approver-alice', 'approve', 3);
    await signed(store, digest, 'approver-carol', 'approve', 4);
    allowed(await decide(store, 5));
  });
});

describe('bypass: a veto that expires', () => {
  // A rejection is not an approval: it must not lapse with the approval
  // window. Carol (the only safety reviewer) rejects; three days later her
  // word is past the approvals' freshness window and, before the fix, no
  // longer counted, so the escalation role stands in for her role and the
  // promotion went through on the request she vetoed.
  it('still denies once the rejection is older than the approval window', async () => {
    const store = storeOf(world);
    const { digest } = await request(store, 1);
    await signed(store, digest, 'approver-carol', 'reject', 2);
    const later = 3 * DAY_MINUTES + 10;
    await signed(store, digest, 'approver-alice', 'approve', later);
    await signed(store, digest, 'approver-dave', 'approve', later + 1);
    denied(await decide(store, later + 2), 'approval_rejected');
  });

  it('lets the rejecter withdraw the veto with a later approval all the same', async () => {
    const store = storeOf(world);
    const { digest } = await request(store, 1);
    await signed(store, digest, 'approver-carol', 'reject', 2);
    const later = 3 * DAY_MINUTES + 10;
    await signed(store, digest, 'approver-alice', 'approve', later);
    await signed(store, digest, 'approver-carol', 'approve', later + 1);
    allowed(await decide(store, later + 2));
  });
});

describe('bypass: a second request for the same evidence', () => {
  // The CLI refuses a second request for the same evidence, but a requester
  // holding their key can sign one around it. Back-dated to between the
  // evidence and the first request, it is the earliest and is judged; before
  // the fix, a rejection of the first request then counted for nothing.
  it('keeps a veto of the first request when a back-dated second one is judged', async () => {
    const store = storeOf(world);
    const first = await request(store, 10);
    await signed(store, first.digest, 'approver-bob', 'reject', 11);
    denied(await decide(store, 12), 'approval_rejected');
    const statement = structuredClone(first.statement);
    statement.predicate = withNonce(first.predicate, nonceDrawing(false, first.predicate), '11111111-2222-4333-8444-555555555555');
    statement.predicate['createdAt'] = at(5);
    statement.predicate['deadline'] = at(5 + DAY_MINUTES);
    const second = put(store, 'backdated-request', await signWith('release-manager', statement));
    await signed(store, second, 'approver-alice', 'approve', 13);
    await signed(store, second, 'approver-carol', 'approve', 14);
    const result = await decide(store, 15);
    denied(result, 'approval_rejected');
    expect(result.json.violations.find((v: { code: string }) => v.code === 'approval_rejected').msg).toContain('rejected promotion to production-canary');
  });

  it('does not count approvals of a later second request: the first is judged', async () => {
    const store = storeOf(world);
    const first = await request(store, 10);
    const statement = structuredClone(first.statement);
    statement.predicate = withNonce(first.predicate, nonceDrawing(false, first.predicate), '11111111-2222-4333-8444-555555555556');
    statement.predicate['createdAt'] = at(11);
    const second = put(store, 'later-request', await signWith('release-manager', statement));
    await signed(store, second, 'approver-alice', 'approve', 13);
    await signed(store, second, 'approver-carol', 'approve', 14);
    denied(await decide(store, 15), 'approvals_insufficient');
  });
});

describe('bypass: break-glass after a gate re-run sheds a veto', () => {
  // Found by review: a veto belonged to the request, and a request stops
  // being judged once any gate is re-run (same model, same figures, a later
  // time); break-glass needs no request. A rejection now stands on the
  // model and stage until its signer's later word replaces it.
  it('denies break-glass while an eligible rejection of the same model stands', async () => {
    const store = storeOf(world);
    const { digest } = await request(store, 1);
    await signed(store, digest, 'approver-bob', 'reject', 2);
    const glass = await cli(['approval', 'break-glass', '--subject', world.subject, '--stage', STAGE, '--reason', 'incident', '--store', store, ...policy, '--signing-key', key('oncall-erin'), '--at', at(3)]);
    expect(glass.code).toBe(0);
    denied(await decide(store, 4), 'approval_rejected');
    put(store, 'regression-rerun', await resigned(world, 'regression', (predicate) => (predicate['evaluatedAt'] = at(5))));
    denied(await decide(store, 6), 'approval_rejected');
  });
});

describe('refused: approvals that are not bound to the request judged', () => {
  // Each forges Carol's approval from Alice's legitimate one, changed one way and signed with Carol's key.
  async function forged(change: (predicate: Record<string, any>) => void): Promise<CLIResult> {
    const store = storeOf(world);
    const { digest } = await request(store, 1);
    const statement = await signed(store, digest, 'approver-alice', 'approve', 2);
    change(statement.predicate!);
    put(store, 'carol-forged', await signWith('approver-carol', statement));
    return decide(store, 3);
  }

  it('unchanged, it counts (the control)', async () => {
    allowed(await forged(() => {}));
  });
  it('of another request digest', async () => {
    denied(await forged((p) => (p['request'].digest = `sha256:${'ab'.repeat(32)}`)), 'approvals_insufficient');
  });
  it('of another request id', async () => {
    denied(await forged((p) => (p['request'].id = '99999999-2222-4333-8444-555555555555')), 'approvals_insufficient');
  });
  it('of another nonce', async () => {
    denied(await forged((p) => (p['request'].nonce = 'cd'.repeat(32))), 'approvals_insufficient');
  });
  it('for another stage', async () => {
    denied(await forged((p) => (p['stage'] = 'production')), 'approvals_insufficient');
  });
  it('reviewing a superset of the packet', async () => {
    denied(await forged((p) => p['reviewed'].push(`sha256:${'cd'.repeat(32)}`)), 'approvals_insufficient');
  });
  it('reviewing a subset of the packet', async () => {
    denied(await forged((p) => p['reviewed'].pop()), 'approvals_insufficient');
  });
  it('claiming a time after the decision (signed ahead to outlast its window)', async () => {
    denied(await forged((p) => (p['evaluatedAt'] = at(10))), 'approvals_insufficient');
  });
  it('about another model', async () => {
    const store = storeOf(world);
    const { digest } = await request(store, 1);
    const statement = await signed(store, digest, 'approver-alice', 'approve', 2);
    statement.subject = [{ name: 'model-B', digest: { sha256: world.other.slice(7) } }];
    put(store, 'carol-other-model', await signWith('approver-carol', statement));
    denied(await decide(store, 3), 'approvals_insufficient');
  });
});

describe('refused: approvals by those who may not decide', () => {
  async function byKey(signer: string): Promise<CLIResult> {
    const store = storeOf(world);
    const { digest } = await request(store, 1);
    const statement = await signed(store, digest, 'approver-alice', 'approve', 2);
    put(store, `${signer}-approval`, await signWith(signer, statement));
    return decide(store, 3);
  }

  it('a safety reviewer, signing around the CLI, counts (the control)', async () => {
    allowed(await byKey('approver-carol'));
  });
  it('the requester, signing around the CLI', async () => {
    denied(await byKey('release-manager'), 'approvals_insufficient');
  });
  it('a gate signer, signing around the CLI', async () => {
    denied(await byKey('safety-gate'), 'approvals_insufficient');
  });
  it("the model's author, signing around the CLI", async () => {
    denied(await byKey('training-pipeline'), 'approvals_insufficient');
  });
  it('the escalation role before the deadline, signing around the CLI', async () => {
    denied(await byKey('approver-dave'), 'approvals_insufficient');
  });

  it('the escalation role claiming a time past the deadline, decided before it', async () => {
    const store = storeOf(world);
    const { digest } = await request(store, 1);
    const statement = await signed(store, digest, 'approver-alice', 'approve', 2);
    statement.predicate!['evaluatedAt'] = at(DAY_MINUTES + 5);
    put(store, 'dave-ahead', await signWith('approver-dave', statement));
    denied(await decide(store, 3), 'approvals_insufficient');
    // Once the claimed time has come it is an ordinary escalation, after the deadline.
    allowed(await decide(store, DAY_MINUTES + 6));
  });

  it('a second ML reviewer for the safety role', async () => {
    const store = storeOf(world);
    const { digest } = await request(store, 1);
    await signed(store, digest, 'approver-alice', 'approve', 2);
    await signed(store, digest, 'approver-bob', 'approve', 3);
    denied(await decide(store, 4), 'approvals_insufficient');
  });

  it('the same approver twice, approving and rejecting at one instant (the rejection stands)', async () => {
    const store = storeOf(world);
    const { digest } = await request(store, 1);
    await signed(store, digest, 'approver-alice', 'approve', 2);
    await signed(store, digest, 'approver-carol', 'approve', 3);
    await signed(store, digest, 'approver-carol', 'reject', 3);
    denied(await decide(store, 4), 'approval_rejected');
  });
});

describe('refused: requests that lower the bar', () => {
  // A request signed around the CLI from a legitimate one changed by `change`; only it is in the store.
  async function forgedRequest(change: (predicate: Record<string, any>) => void, signer = 'release-manager'): Promise<{ store: string; digest: string }> {
    const template = await request(storeOf(world), 1);
    const statement = structuredClone(template.statement);
    change(statement.predicate!);
    const bytes = await signWith(signer, statement);
    return { store: storeOf(world, { extra: { 'request.json': bytes } }), digest: `sha256:${sha256Hex(bytes)}` };
  }

  it('unchanged, it is judged and can be approved (the control)', async () => {
    const { store, digest } = await forgedRequest(() => {});
    await signed(store, digest, 'approver-alice', 'approve', 2);
    await signed(store, digest, 'approver-carol', 'approve', 2);
    allowed(await decide(store, 3));
  });
  it('a request signed by someone who is no requester', async () => {
    const { store } = await forgedRequest(() => {}, 'approver-dave');
    denied(await decide(store, 3), 'approval_request_missing');
  });

  it('a request that understates its risk tier', async () => {
    const { store } = await forgedRequest((p) => (p['risk'].tier = 'low'));
    denied(await decide(store, 3), 'approval_risk_understated');
  });

  it('a request that asks for fewer approvers than its tier (the policy counts from data)', async () => {
    const { store, digest } = await forgedRequest((p) => (p['required'] = { approvals: 1, roles: { 'ml-reviewers': 1 }, escalationRoles: [] }));
    await signed(store, digest, 'approver-alice', 'approve', 2);
    denied(await decide(store, 3), 'approvals_insufficient');
  });

  it('a request that records no deep review where its nonce draws one', async () => {
    const { store } = await forgedRequest((p) => {
      Object.assign(p, withNonce(p, nonceDrawing(true, p), p['requestId']));
      p['deepReview'].selected = false;
      p['deepReview'].items = [];
    });
    denied(await decide(store, 3), 'approval_draw_mismatch');
  });

  it('a request that records deep-review items its ranking does not give', async () => {
    const { store } = await forgedRequest((p) => {
      Object.assign(p, withNonce(p, nonceDrawing(true, p), p['requestId']));
      p['deepReview'].items = ['gate:integrity', 'made-up-1', 'made-up-2'];
    });
    denied(await decide(store, 3), 'approval_draw_mismatch');
  });

  it('a request made before the evidence it covers', async () => {
    const { store } = await forgedRequest((p) => (p['createdAt'] = at(-1)));
    denied(await decide(store, 3), 'approval_request_missing');
  });
});

describe('bypass: a packet that misstates its evidence', () => {
  // Found by review: the policy checked that a packet names exactly the
  // attestations the decision uses, but not that each item's gate, verdict
  // and reports are what the attestation records, so a requester signing
  // around the CLI could leave out reports (or name others). Now each item
  // is compared with its attestation.
  it('denies approvals of a request whose packet leaves out the reports the gates named', async () => {
    const template = await request(storeOf(world), 1);
    const statement = structuredClone(template.statement);
    for (const item of statement.predicate!['packet']) item.reports = [];
    const bytes = await signWith('release-manager', statement);
    const store = storeOf(world, { extra: { 'request.json': bytes } });
    const digest = `sha256:${sha256Hex(bytes)}`;
    await signed(store, digest, 'approver-alice', 'approve', 2);
    await signed(store, digest, 'approver-carol', 'approve', 2);
    denied(await decide(store, 3));
  });
});

describe('refused: break-glass that is not one', () => {
  async function glass(signer: string, change: (predicate: Record<string, any>) => void = () => {}): Promise<string> {
    const statement = {
      _type: 'https://in-toto.io/Statement/v1' as const,
      subject: [{ name: 'model-A', digest: { sha256: world.subject.slice(7) } }],
      predicateType: 'https://gatehouse.dev/attestations/break-glass/v1',
      predicate: { stage: STAGE, reason: 'incident', createdAt: at(1) } as Record<string, any>,
    };
    change(statement.predicate);
    return storeOf(world, { extra: { 'glass.json': await signWith(signer, statement) } });
  }

  it('by the on-call role, signed around the CLI, stands in (the control)', async () => {
    const result = await decide(await glass('oncall-erin'), 2);
    allowed(result);
    expect(result.json.break_glass).toHaveLength(1);
  });
  it('by an approver in no break-glass role', async () => {
    denied(await decide(await glass('approver-alice'), 2), 'required_gate_missing');
  });
  it('by the requester', async () => {
    denied(await decide(await glass('release-manager'), 2), 'required_gate_missing');
  });
  it('for another stage', async () => {
    denied(await decide(await glass('oncall-erin', (p) => (p['stage'] = 'production')), 2), 'required_gate_missing');
  });
  it('older than its window', async () => {
    denied(await decide(await glass('oncall-erin'), 4 * 60 + 2), 'required_gate_missing');
  });
  it('claiming a time after the decision', async () => {
    denied(await decide(await glass('oncall-erin', (p) => (p['createdAt'] = at(30))), 2), 'required_gate_missing');
  });
  it('for a chain whose other gates fail: it stands in for approval only', async () => {
    const store = await glass('oncall-erin');
    writeFileSync(join(store, 'safety.json'), await resigned(world, 'safety', (p) => (p['verdict'] = 'fail')));
    denied(await decide(store, 2), 'gate_not_passed');
  });
});
