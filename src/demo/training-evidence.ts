// The production-only evidence of the demo: the training run's SLSA
// provenance (signed by the training pipeline) with the data team's
// attestation of its private dataset and the base model's publisher
// signature, judged by the data-provenance gate; and the red team's report on
// candidate A, one finding accepted by the risk owner, signed as the
// red-team gate's attestation.
import type { KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify as toYAML } from 'yaml';
import type { ArtifactDigest } from '../digest/artifact.ts';
import { sha256Hex } from '../digest/sha256.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import type { VerifiedPolicyBundle } from '../policy/bundle.ts';
import { attestPredicate, type SigningOptions } from '../sign/attest.ts';
import { serializeBundle } from '../store/serialize.ts';
import type { AttestationStore } from '../store/store.ts';
import { toRFC3339 } from '../time.ts';
import { DATASET_TYPE } from '../gates/data-provenance/dataset.ts';
import { SLSA_PROVENANCE_V1, type DataProvenancePredicate } from '../gates/data-provenance/evaluate.ts';
import { dataProvenanceGate } from '../gates/data-provenance/index.ts';
import { modelSigningKeySigner, signModelDirectory } from '../gates/provenance/model-signing.ts';
import type { RedteamPredicate } from '../gates/redteam/evaluate.ts';
import { redteamGate } from '../gates/redteam/index.ts';
import { RISK_ACCEPTANCE_TYPE } from '../gates/redteam/risk-acceptance.ts';
import type { GateOutcome, GateSink } from '../gates/workflow.ts';
import { writeDemoModel } from './model.ts';

const DAY_MS = 86_400_000;

/** What the demo's production-only gates produced. */
export interface TrainingEvidence {
  dataProvenance: GateOutcome<DataProvenancePredicate>;
  redteam: GateOutcome<RedteamPredicate>;
}

/**
 * Writes and signs what training and red-teaming candidate A left behind in
 * `dir`, then runs the data-provenance and red-team gates on it (judged at
 * `at`): a base model signed by the model publisher, a private dataset the
 * data team attests, a public one from the example's approved source, the
 * provenance naming them; a findings file with a critical finding mitigated
 * and a medium one accepted by the risk owner.
 */
export async function productionEvidence(options: {
  dir: string;
  model: ArtifactDigest;
  policy: VerifiedPolicyBundle;
  store: AttestationStore;
  sink: GateSink;
  signing: (name: string) => SigningOptions;
  privateKey: (name: string) => KeyObject;
  at: Date;
}): Promise<TrainingEvidence> {
  const { dir, model, at } = options;
  const training = join(dir, 'training');
  await mkdir(training, { recursive: true });
  const basePath = join(dir, 'model-base');
  await writeDemoModel(basePath, 'gatehouse-demo-base');
  const base = await signModelDirectory(basePath, { signer: modelSigningKeySigner(options.privateKey('model-publisher')) });
  const dataset = Array.from({ length: 200 }, (_, i) => JSON.stringify({ prompt: `question ${i}`, answer: `answer ${i}` })).join('\n');
  await writeFile(join(training, 'chat.jsonl'), `${dataset}\n`);
  const datasetDigest = sha256Hex(`${dataset}\n`);
  const createdAt = toRFC3339(new Date(at.getTime() - 2 * DAY_MS));
  const attestation = await attestPredicate({ name: 'chat.jsonl', digest: `sha256:${datasetDigest}` }, DATASET_TYPE, { name: 'demo chat data', license: 'CC0-1.0', createdAt }, options.signing('data-team'));
  await writeFileAtomic(join(training, 'chat.dataset.sigstore.json'), serializeBundle(attestation.bundle));
  const provenance = {
    buildDefinition: {
      buildType: 'https://gatehouse.dev/examples/fine-tune/v1',
      externalParameters: { epochs: 3 },
      resolvedDependencies: [
        { uri: 'https://models.example/base', name: 'base-model', digest: { sha256: base.manifest.digest }, annotations: { kind: 'base-model' } },
        { uri: 'https://data.example/private/chat.jsonl', digest: { sha256: datasetDigest }, annotations: { kind: 'dataset' } },
        { uri: 'https://datasets.gatehouse.dev/approved/wiki-2026-10.jsonl', digest: { sha256: sha256Hex('demo approved dataset') }, annotations: { kind: 'dataset' } },
        { uri: 'git+https://git.example/demo/train@refs/heads/main', digest: { gitCommit: 'a'.repeat(40) } },
      ],
    },
    runDetails: { builder: { id: 'https://ci.example/demo-trainer' }, metadata: { finishedOn: createdAt } },
  };
  const slsa = await attestPredicate({ name: 'model-A', digest: model }, SLSA_PROVENANCE_V1, provenance, options.signing('training-pipeline'));
  await writeFileAtomic(join(training, 'provenance.sigstore.json'), serializeBundle(slsa.bundle));
  const dataProvenance = await dataProvenanceGate(
    {
      subject: { name: 'model-A', digest: model },
      provenance: join(training, 'provenance.sigstore.json'),
      datasetAttestations: [join(training, 'chat.dataset.sigstore.json')],
      baseModelSignatures: [base.signaturePath],
      policy: options.policy,
    },
    { evaluatedAt: at, signing: options.signing('data-provenance-gate'), sink: options.sink },
  );

  const engagement = { id: 'RT-demo-1', team: 'demo red team', scope: ['jailbreak', 'prompt injection', 'data exfiltration'], start: toRFC3339(new Date(at.getTime() - 9 * DAY_MS)), end: toRFC3339(new Date(at.getTime() - DAY_MS)) };
  const findings = {
    engagement,
    model,
    findings: [
      { id: 'RT-1', title: 'role-play jailbreak yields harmful instructions', severity: 'critical', status: 'mitigated', evidence: [`sha256:${sha256Hex('RT-1 transcript')}`] },
      { id: 'RT-2', title: 'system prompt disclosed on request', severity: 'medium', status: 'accepted', riskOwner: 'risk-owner', evidence: [`sha256:${sha256Hex('RT-2 transcript')}`] },
    ],
  };
  const findingsPath = join(training, 'redteam-findings.yaml');
  await writeFileAtomic(findingsPath, toYAML(findings));
  const acceptance = { engagement: engagement.id, finding: 'RT-2', rationale: 'the system prompt holds no secret', createdAt: toRFC3339(new Date(at.getTime() - DAY_MS / 2)) };
  await options.store.put(serializeBundle((await attestPredicate({ name: 'model-A', digest: model }, RISK_ACCEPTANCE_TYPE, acceptance, options.signing('risk-owner'))).bundle));
  const redteam = await redteamGate({ subject: { name: 'model-A', digest: model }, findings: findingsPath, policy: options.policy }, { evaluatedAt: at, signing: options.signing('red-team'), sink: options.sink });
  return { dataProvenance, redteam };
}
