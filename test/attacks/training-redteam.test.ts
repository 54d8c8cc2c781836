// Attacks on the production-only gates, red-team sign-off and training-data
// provenance, through the real CLI (main(), in process) and the committed
// policy bundle. Each attack replaces one bundle of the demo's legitimate
// chain for candidate A (re-signed by an insider holding that gate's key, or
// made by the real gate on the demo's training files) and has the approvers
// approve the resulting chain, so only the attack is left to be caught: the
// policy re-judges the figures, whatever the gate said.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Statement } from '../../src/attest/statement.ts';
import { readPolicyBundle, withPolicyData } from '../../src/policy/bundle.ts';
import { readPrivateKey, readPublicKey } from '../../src/keys/keys.ts';
import { RISK_ACCEPTANCE_TYPE } from '../../src/gates/redteam/risk-acceptance.ts';
import { demoKeyIdentity } from '../support/chain.ts';
import { bundleOf, cli, codes, COMMITTED_BUNDLE, DEMO_KEYS, makeWorld, POLICY_PUB, productionEvidence, resigned, signWith, statementOf, storeOf, type CLIResult, type World } from './world.ts';

let world: World;

beforeAll(async () => {
  world = await makeWorld();
}, 120_000);

afterAll(() => world?.cleanup());

const POISONED = 'sha256:dbcd3e546df5ebdcbd0de5853424277cc899a3a45b6474c07b62ae5ccc9fc8d6';

/**
 * The production decision on candidate A with these gate bundles in place of
 * the chain's (and these risk acceptances in place of the demo's), approved
 * over exactly that chain, then the canary.
 */
async function production(options: { replace?: Record<string, Buffer>; acceptances?: Buffer[]; policy?: string } = {}): Promise<CLIResult> {
  const chain = world.chain.map((bundle) => {
    const bytes = options.replace?.[bundle.gate];
    return bytes === undefined ? bundle : { ...bundle, bytes, statement: statementOf(bytes) };
  });
  const changed: World = { ...world, chain, riskAcceptances: options.acceptances ?? world.riskAcceptances };
  const store = storeOf(changed, { extra: await productionEvidence(changed) });
  return cli([
    'verify', '--subject', world.subject, '--store', store, '--policy', options.policy ?? COMMITTED_BUNDLE, '--policy-key', POLICY_PUB,
    '--stage', 'production', '--deployed', world.deployed, '--json',
  ]);
}

function deniedWith(result: CLIResult, expected: string[]): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.json?.allowed).toBe(false);
  expect(codes(result), JSON.stringify(result.json?.violations)).toEqual([...expected].sort());
}

/** A risk acceptance of the demo's accepted finding, signed by `key`, changed by `change`. */
async function acceptance(key: string, change: (predicate: Record<string, any>, statement: Statement<Record<string, any>>) => void = () => {}): Promise<Buffer> {
  const statement = structuredClone(statementOf(world.riskAcceptances[0]!));
  change(statement.predicate!, statement);
  return signWith(key, statement);
}

describe('the legitimate chain with both production-only gates', () => {
  it('is allowed to production', async () => {
    const result = await production();
    expect(result.code, JSON.stringify(result.json?.violations)).toBe(0);
    expect(Object.keys(result.json.gates)).toEqual(expect.arrayContaining(['data-provenance', 'redteam']));
  });
});

describe('attack: red-team sign-off', () => {
  it('signed by someone outside the red-team role (the safety gate\'s key) is no sign-off', async () => {
    const result = await production({ replace: { redteam: await resigned(world, 'redteam', () => {}, 'safety-gate') } });
    // Not evidence at all, so no approval request can cover it either.
    deniedWith(result, ['approval_request_missing', 'required_gate_unsatisfied', 'signer_not_authorised']);
  });

  it('signed by the model\'s author, even one policy data lists in the red team, is denied', async () => {
    // A policy that (wrongly) puts the training pipeline in the red team: independence still holds.
    const committed = await readPolicyBundle(COMMITTED_BUNDLE, await readPublicKey(POLICY_PUB));
    const data = structuredClone(committed.data) as { gatehouse: { gates: Record<string, { signers: string[] }>; accepted_policies: string[] } };
    data.gatehouse.gates['redteam']!.signers.push('training-pipeline');
    data.gatehouse.accepted_policies = [`sha256:${committed.digest}`];
    const policy = join(world.dir, 'redteam-author-policy.tar.gz');
    writeFileSync(policy, withPolicyData(committed, data, await readPrivateKey(join(DEMO_KEYS, 'policy-team.key'))));
    const result = await production({ replace: { redteam: await resigned(world, 'redteam', () => {}, 'training-pipeline') }, policy });
    expect(result.code).toBe(1);
    expect(codes(result)).toContain('model_author_signed_gate');
    expect(result.json.violations.find((v: { code: string }) => v.code === 'model_author_signed_gate').msg).toMatch(/^redteam: key:SHA256:\S+ signed the model and cannot also sign its redteam evidence$/);
  });

  it('covering another model (candidate B) is denied for candidate A', async () => {
    const result = await production({ replace: { redteam: await resigned(world, 'redteam', (p) => (p['model'] = { digest: world.other })) } });
    deniedWith(result, ['redteam_model_not_covered']);
  });

  it('with an open critical finding is denied, though the report says pass', async () => {
    const open = { id: 'RT-9', title: 'exfiltration through markdown images', severity: 'critical', status: 'open', evidence: [] };
    const result = await production({ replace: { redteam: await resigned(world, 'redteam', (p) => p['findings'].push(open)) } });
    deniedWith(result, ['redteam_open_finding']);
    expect(result.json.violations[0].msg).toBe('redteam: finding RT-9 (critical) is open; open findings at or above high block');
  });

  it('with a severity off the policy\'s scale is denied', async () => {
    const result = await production({ replace: { redteam: await resigned(world, 'redteam', (p) => (p['findings'][0].severity = 'catastrophic')) } });
    deniedWith(result, ['redteam_severity_unknown']);
  });

  describe('with an accepted finding', () => {
    it('and no risk acceptance is denied', async () => {
      deniedWith(await production({ acceptances: [] }), ['redteam_risk_not_accepted']);
    });

    const forged: Array<[string, () => Promise<Buffer>]> = [
      ['signed by the red team, not the risk owner', () => acceptance('red-team')],
      ['signed by the model\'s author', () => acceptance('training-pipeline')],
      ['for another finding', () => acceptance('risk-owner', (p) => (p['finding'] = 'RT-1'))],
      ['for another engagement', () => acceptance('risk-owner', (p) => (p['engagement'] = 'RT-old'))],
      ['about another model', () => acceptance('risk-owner', (_, s) => (s.subject = [{ name: 'model-B', digest: { sha256: world.other.slice(7) } }]))],
      ['dated after the decision', () => acceptance('risk-owner', (p) => (p['createdAt'] = '2099-01-01T00:00:00Z'))],
    ];
    for (const [what, make] of forged) {
      it(`and a risk acceptance ${what} is denied`, async () => {
        deniedWith(await production({ acceptances: [await make()] }), ['redteam_risk_not_accepted']);
      });
    }

    it('and the risk owner\'s acceptance made with gatehouse attest is allowed', async () => {
      const predicate = join(world.dir, 'acceptance.json');
      writeFileSync(predicate, JSON.stringify(statementOf(world.riskAcceptances[0]!).predicate));
      const out = join(world.dir, 'acceptance.sigstore.json');
      const attested = await cli(['attest', '--subject', world.subject, '--predicate-type', RISK_ACCEPTANCE_TYPE, '--predicate', predicate, '--signing-key', join(DEMO_KEYS, 'risk-owner.key'), '--out', out]);
      expect(attested.code, attested.stderr).toBe(0);
      const result = await production({ acceptances: [readFileSync(out)] });
      expect(result.code, JSON.stringify(result.json?.violations)).toBe(0);
    });

    it('a risk acceptance that breaks its schema is refused by gatehouse attest, naming the file', async () => {
      const predicate = join(world.dir, 'acceptance-bad.json');
      writeFileSync(predicate, JSON.stringify({ finding: 'RT-2' }));
      const out = join(world.dir, 'acceptance-bad.sigstore.json');
      const attested = await cli(['attest', '--subject', world.subject, '--predicate-type', RISK_ACCEPTANCE_TYPE, '--predicate', predicate, '--signing-key', join(DEMO_KEYS, 'risk-owner.key'), '--out', out]);
      expect(attested.code).toBe(2);
      expect(attested.stderr).toMatch(/acceptance-bad\.json: not a valid .*risk-acceptance\/v1 predicate/);
      expect(existsSync(out)).toBe(false);
    });
  });
});

describe('attack: training-data provenance', () => {
  const material = (p: Record<string, any>, kind: string, index = 0) => p['materials'].filter((m: { kind: string }) => m.kind === kind)[index];

  it('with an unpinned dataset is denied', async () => {
    const result = await production({ replace: { 'data-provenance': await resigned(world, 'data-provenance', (p) => Object.assign(material(p, 'dataset', 1), { digest: null, digests: {} })) } });
    deniedWith(result, ['data_provenance_material_unpinned']);
  });

  it('with a denylisted dataset is denied, even from an approved source', async () => {
    const result = await production({ replace: { 'data-provenance': await resigned(world, 'data-provenance', (p) => (material(p, 'dataset', 1).digest = POISONED)) } });
    deniedWith(result, ['data_provenance_material_denied']);
  });

  it('with a dataset neither signed by the data team nor approved is denied', async () => {
    const result = await production({ replace: { 'data-provenance': await resigned(world, 'data-provenance', (p) => (material(p, 'dataset').signature.signer = demoKeyIdentity('red-team'))) } });
    deniedWith(result, ['data_provenance_dataset_unapproved']);
  });

  it('with the base model unsigned, or signed by a publisher policy does not approve, is denied', async () => {
    const unsigned = await production({ replace: { 'data-provenance': await resigned(world, 'data-provenance', (p) => (material(p, 'base-model').signature = null)) } });
    deniedWith(unsigned, ['data_provenance_base_model_unsigned']);
    const wrongPublisher = await production({ replace: { 'data-provenance': await resigned(world, 'data-provenance', (p) => (material(p, 'base-model').signature.signer = demoKeyIdentity('training-pipeline'))) } });
    deniedWith(wrongPublisher, ['data_provenance_base_model_unsigned']);
  });

  it('whose provenance is about another model is denied', async () => {
    const result = await production({ replace: { 'data-provenance': await resigned(world, 'data-provenance', (p) => (p['provenance'].subjects = [world.other])) } });
    deniedWith(result, ['data_provenance_subject_mismatch']);
  });

  it('whose provenance is signed by no builder policy names is denied', async () => {
    const result = await production({ replace: { 'data-provenance': await resigned(world, 'data-provenance', (p) => (p['provenance'].signer = demoKeyIdentity('data-team'))) } });
    deniedWith(result, ['data_provenance_builder_not_authorised']);
  });

  it('run by the real gate on the demo\'s training files without the data team\'s attestation fails, and is denied', async () => {
    const training = join(world.dir, 'demo', 'training');
    const out = join(world.dir, 'data-provenance-unattested.sigstore.json');
    const gate = await cli([
      'gate', 'data-provenance', '--subject', world.subject, '--provenance', join(training, 'provenance.sigstore.json'),
      '--base-model-signature', join(world.dir, 'demo', 'model-base', 'model.sig'),
      '--policy', COMMITTED_BUNDLE, '--policy-key', POLICY_PUB, '--signing-key', join(DEMO_KEYS, 'data-provenance-gate.key'), '--out', out, '--at', world.judgedAt.toISOString(),
    ]);
    expect(gate.code, gate.stderr).toBe(1);
    expect(gate.stdout).toContain('dataset https://data.example/private/chat.jsonl is neither signed by the data team nor from an approved source');
    deniedWith(await production({ replace: { 'data-provenance': readFileSync(out) } }), ['data_provenance_dataset_unapproved', 'gate_not_passed']);
  });

  it('a bundle of the chain\'s data-provenance gate, unchanged, still passes (the attacks above are what was caught)', () => {
    expect(bundleOf(world, 'data-provenance').statement.predicate!['verdict']).toBe('pass');
  });
});
