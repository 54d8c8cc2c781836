import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { ProvenancePredicate } from '../../attest/predicates.ts';
import { InputError } from '../../error.ts';
import { DigestError } from '../../digest/error.ts';
import { DEFAULT_IGNORE_PATHS, hashModelDirectory, type ModelDigestOptions, type ModelManifest, type Serialization } from '../../digest/model.ts';
import { readBoundedFile } from '../../io/read.ts';
import type { VerifiedPolicyBundle } from '../../policy/bundle.ts';
import { policyDataOf, policySigners } from '../../policy/data.ts';
import type { SigningOptions } from '../../sign/attest.ts';
import { VerificationError } from '../../verify/error.ts';
import type { TrustPolicy } from '../../verify/trust.ts';
import { AttestationVerifier } from '../../verify/verifier.ts';
import { toRFC3339 } from '../../time.ts';
import { attestGate, describeArtifact, describeManifest, type GateRun } from '../gate.ts';
import { deliverGateRun, progressOption, type GateContext, type GateOutcome } from '../workflow.ts';
import { evaluateProvenance, type ModelSignatureEvidence } from './evaluate.ts';
import { MODEL_SIGNATURE_FILE, MODEL_SIGNING_PREDICATE_TYPE, modelSigningValidator, resourceAlgorithm, type ModelSigningPredicate } from './model-signing.ts';
import { sha256Hex } from '../../digest/sha256.ts';


export interface ProvenanceGateOptions {
  /** The model directory. */
  path: string;
  /** The model-signing bundle; default `<path>/model.sig`. */
  signaturePath?: string;
  /** The verified policy bundle: its data's model_signers are who may sign models, and its digest is recorded. */
  policy: VerifiedPolicyBundle;
  evaluatedAt: Date;
  signing: SigningOptions;
  /** Told the bytes hashed so far as the model on disk is digested. */
  onProgress?: ModelDigestOptions['onProgress'];
}

/** Who may sign models under a policy: exactly the signers its data lists in model_signers. */
export async function modelSignersTrust(policy: VerifiedPolicyBundle): Promise<TrustPolicy> {
  const data = policyDataOf(policy.data, policy.source);
  return (await policySigners(data, policy.source)).restrictedTo(data.model_signers ?? []);
}

/**
 * Verifies the model's own signature against the policy's model signers,
 * checks its manifest against the files on disk, and signs the verdict,
 * recording who signed the model and the policy it was judged under.
 */
export async function runProvenanceGate(options: ProvenanceGateOptions): Promise<GateRun<ProvenancePredicate>> {
  const modelPath = resolve(options.path);
  const info = await lstat(modelPath).catch((cause: unknown) => {
    throw new DigestError({ code: 'FILE_NOT_FOUND', message: 'no such model directory', path: options.path, cause });
  });
  if (!info.isDirectory()) {
    throw new InputError({ code: 'ARTIFACT_INVALID', message: 'the provenance gate takes a model directory', path: options.path });
  }
  const signaturePath = resolve(options.signaturePath ?? join(modelPath, MODEL_SIGNATURE_FILE));
  const ignorePaths = ignoreSet(modelPath, signaturePath);
  const signature = await readModelSignature(signaturePath, await modelSignersTrust(options.policy));

  let onDisk: ModelManifest | undefined;
  if (signature.verified) {
    const serialization = toSerialization(signature.serialization);
    onDisk = await hashModelDirectory(modelPath, { serialization, ignorePaths, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) });
  }
  // The subject is the artifact's default digest; reuse the hashing already
  // done when the signature's serialization is that default.
  const artifact =
    onDisk !== undefined && onDisk.serialization.method === 'files' && sameSet(ignorePaths, DEFAULT_IGNORE_PATHS)
      ? describeManifest(onDisk)
      : await describeArtifact(modelPath, options.onProgress === undefined ? {} : { onProgress: options.onProgress });
  const predicate = evaluateProvenance(
    { artifact, signature, ...(onDisk === undefined ? {} : { onDisk }) },
    { evaluatedAt: toRFC3339(options.evaluatedAt), policyDigest: `sha256:${options.policy.digest}` },
  );
  return attestGate({ name: artifact.name, digest: artifact.digest }, predicate, options.signing);
}

/** What the provenance gate is asked: was the model directory at `path` signed by a model signer the policy names? */
export interface ProvenanceGateRequest {
  path: string;
  /** The model-signing bundle; default `<path>/model.sig`. */
  signaturePath?: string;
  policy: VerifiedPolicyBundle;
}

/** The provenance gate's entry point (CLI, demo and server): verify, compare, sign, deliver to the sink. */
export async function provenanceGate(request: ProvenanceGateRequest, context: GateContext): Promise<GateOutcome<ProvenancePredicate>> {
  const run = await runProvenanceGate({ ...request, evaluatedAt: context.evaluatedAt, signing: context.signing, ...progressOption(context, `digesting ${request.path}`, 'bytes') });
  return deliverGateRun(run, context.sink);
}

/** Reads and verifies a model-signing bundle against `trust`: who signed which manifest, or why it is evidence of nothing. */
export async function readModelSignature(path: string, trust: TrustPolicy): Promise<ModelSignatureEvidence> {
  let bytes: Buffer;
  try {
    bytes = await readBoundedFile(path);
  } catch (error) {
    if (error instanceof InputError && error.code === 'FILE_NOT_FOUND') {
      return { bundleDigest: sha256Hex(Buffer.alloc(0)), verified: false, failure: `no model signature at ${path}` };
    }
    throw error;
  }
  const bundleDigest = sha256Hex(bytes);
  const fail = (failure: string): ModelSignatureEvidence => ({ bundleDigest, verified: false, failure });
  let verified;
  try {
    verified = new AttestationVerifier(trust).verifyBytes(bytes, path);
  } catch (error) {
    if (error instanceof VerificationError || error instanceof InputError) return fail(`model signature not verified: ${error.message}`);
    throw error;
  }
  const { statement } = verified;
  if (statement.predicateType !== MODEL_SIGNING_PREDICATE_TYPE) {
    return fail(`model signature has predicate type ${statement.predicateType}, expected ${MODEL_SIGNING_PREDICATE_TYPE}`);
  }
  const problem = modelSigningValidator.problem(statement.predicate);
  if (problem !== undefined) return fail(`model signature predicate is malformed: ${problem}`);
  const predicate = statement.predicate as unknown as ModelSigningPredicate;
  const { serialization } = predicate;
  if (serialization.method === 'shards' && !Number.isSafeInteger(serialization.shard_size)) {
    return fail('model signature uses shard serialization without a whole-number shard size');
  }
  const algorithm = resourceAlgorithm(serialization);
  const foreign = predicate.resources.find((r) => r.algorithm !== algorithm);
  if (serialization.hash_type !== 'sha256' || foreign !== undefined) {
    return fail(`model signature hashes with ${foreign?.algorithm ?? serialization.hash_type}; gatehouse verifies ${algorithm} manifests`);
  }
  // in-toto allows any digest; model-signing names the model by sha256.
  const subjectDigest = statement.subject[0]?.digest.sha256;
  if (subjectDigest === undefined) return fail('model signature names its subject by no sha256 digest');
  const root = createHash('sha256');
  for (const resource of predicate.resources) root.update(Buffer.from(resource.digest, 'hex'));
  return {
    bundleDigest,
    verified: true,
    signer: verified.signer,
    predicateType: statement.predicateType,
    serialization: predicate.serialization as unknown as Record<string, unknown>,
    subjectDigest,
    manifestDigest: root.digest('hex'),
    resources: predicate.resources.map((r) => ({ name: r.name, digest: r.digest })),
  };
}

function toSerialization(signed: Record<string, unknown>): Serialization {
  return signed['method'] === 'shards' ? { method: 'shards', shardSize: signed['shard_size'] as number } : { method: 'files' };
}

// The files a signature covers are everything but git metadata and the
// signature itself. Paths a signer chose to leave out are not honoured: a
// file on disk that the signature does not cover fails the gate.
function ignoreSet(modelPath: string, signaturePath: string): string[] {
  const set = new Set(DEFAULT_IGNORE_PATHS);
  const inside = relative(modelPath, signaturePath);
  if (!inside.startsWith('..') && !inside.startsWith(sep)) set.add(inside.split(sep).join('/'));
  return [...set];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
