// Keyless trust decisions that a one-line slip in the verifier or in the
// policy's signer mapping would get wrong: which identity a workflow is, which
// witnesses a keyless bundle needs, and what a SAN pattern matches.
import { createHash } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toStatement } from '../../src/attest/statement.ts';
import { buildPolicyInput } from '../../src/decide/input.ts';
import { policySigners, type PolicyData } from '../../src/policy/data.ts';
import { signStatement } from '../../src/sign/attest.ts';
import type { TrustedIdentity } from '../../src/verify/trust.ts';
import { AttestationVerifier } from '../../src/verify/verifier.ts';
import { ISSUER, SUBJECT, startMockSigstore, type MockSigstore } from '../support/sigstore-mock.ts';
import { refusal } from '../support/refusal.ts';

const ARTIFACT = `sha256:${'c'.repeat(64)}`;
const statement = toStatement({
  subjects: [{ name: 'model', digest: { sha256: 'c'.repeat(64) } }],
  predicateType: 'https://example.com/keyless-test/v1',
  predicate: { verdict: 'pass' },
});

const NIGHTLY = 'https://github.com/acme/models/.github/workflows/nightly.yml@refs/heads/main';
const REPOSITORY = 'https://github.com/acme/models';
const EVIL = 'https://github.com/acme/models-evil/.github/workflows/release.yml@refs/heads/main';

let sigstore: MockSigstore;

beforeAll(async () => {
  sigstore = await startMockSigstore();
});

afterAll(() => sigstore.stop());

const signAs = (subject: string, withTSA = false) => signStatement(statement, sigstore.signing({ iss: ISSUER, sub: subject }, { withTSA }));

function verifier(identities: TrustedIdentity[], thresholds: { tlogThreshold?: number } = {}): AttestationVerifier {
  return new AttestationVerifier({ keyless: { trustedRoot: sigstore.trustedRoot, identities, ...thresholds } });
}

describe('policySigners', () => {
  describe('#idsFor', () => {
    describe('when two workflows of one repository sign through the same issuer', () => {
      it('gives each workflow only its own signer id, in the policy input too', async () => {
        const data: PolicyData = {
          stages: {},
          gates: {},
          signers: {
            'release-workflow': { kind: 'keyless', issuer: ISSUER, subject: SUBJECT },
            'nightly-workflow': { kind: 'keyless', issuer: ISSUER, subject: NIGHTLY },
          },
          trusted_root: TrustedRoot.toJSON(sigstore.trustedRoot) as Record<string, unknown>,
        };
        const signers = await policySigners(data, 'policy.tar.gz');
        const release = Buffer.from(JSON.stringify(await signAs(SUBJECT)));
        const nightly = Buffer.from(JSON.stringify(await signAs(NIGHTLY)));
        const { input, locations } = await buildPolicyInput({
          artifact: ARTIFACT,
          stage: 'staging',
          deployed: null,
          evaluationTime: new Date(),
          policyDigest: '0'.repeat(64),
          verifier: new AttestationVerifier(signers.trust),
          signers,
          bundles: [
            { location: 'release.sigstore.json', bundleDigest: createHash('sha256').update(release).digest('hex'), bytes: release },
            { location: 'nightly.sigstore.json', bundleDigest: createHash('sha256').update(nightly).digest('hex'), bytes: nightly },
          ],
        });
        const idsByLocation = Object.fromEntries(input.attestations.map((record) => [locations.get(record.id), record.verified ? record.signer.ids : record.reason]));
        expect(idsByLocation).toEqual({ 'release.sigstore.json': ['release-workflow'], 'nightly.sigstore.json': ['nightly-workflow'] });
      });
    });
  });
});

describe('AttestationVerifier', () => {
  describe('#verifyJSON', () => {
    describe('when a keyless bundle has a valid TSA timestamp but no Rekor entry', () => {
      it('refuses it: one Rekor entry is required unless the trust says otherwise', async () => {
        const bundle = await signAs(SUBJECT, true);
        const trusted = [{ issuer: ISSUER, subject: SUBJECT }];
        expect(verifier(trusted).verifyJSON(bundle, 'x').signer.kind).toBe('keyless');
        bundle.verificationMaterial.tlogEntries = [];
        // The TSA timestamp alone verifies: the refusal below is for the missing entry.
        expect(verifier(trusted, { tlogThreshold: 0 }).verifyJSON(bundle, 'x').signer.kind).toBe('keyless');
        expect(refusal(() => verifier(trusted).verifyJSON(bundle, 'x')).code).toBe('TLOG_INVALID');
      });
    });

    describe('when a keyless bundle carries an RFC 3161 timestamp and a Rekor entry', () => {
      // The mock TSA and Rekor share one clock in whole seconds, so both
      // witnesses vouch for the integrated time the entry records.
      it('returns both witnessed times, and no time from an entry whose promise is gone', async () => {
        const bundle = await signAs(SUBJECT, true);
        const trusted = verifier([{ issuer: ISSUER, subject: SUBJECT }]);
        const entry = bundle.verificationMaterial.tlogEntries[0]!;
        const witnessed = Number(entry.integratedTime) * 1000;
        const times = (verified: { timestamps: Date[] }) => verified.timestamps.map((time) => time.getTime());
        expect(times(trusted.verifyJSON(bundle, 'x'))).toEqual([witnessed, witnessed]);
        // Without its signed promise the entry still verifies by its inclusion
        // proof, but nothing signs its integrated time: it is no signing time.
        delete entry.inclusionPromise;
        entry.integratedTime = String(Date.UTC(2001, 0, 1) / 1000);
        expect(times(trusted.verifyJSON(bundle, 'x'))).toEqual([witnessed]);
      });
    });

    describe('when a SAN pattern matches only a prefix of the certificate SAN', () => {
      it('refuses the certificate: another repository may share the prefix', async () => {
        const prefix = [{ issuer: ISSUER, subject: /https:\/\/github\.com\/acme\/models/ }];
        const exact = await signAs(REPOSITORY);
        expect(verifier(prefix).verifyJSON(exact, 'x').signer).toEqual({ kind: 'keyless', issuer: ISSUER, subject: REPOSITORY });
        const evil = await signAs(EVIL);
        expect(verifier([{ issuer: ISSUER, subject: EVIL }]).verifyJSON(evil, 'x').signer.kind).toBe('keyless');
        expect(refusal(() => verifier(prefix).verifyJSON(evil, 'x')).code).toBe('UNTRUSTED_IDENTITY');
      });
    });
  });
});
