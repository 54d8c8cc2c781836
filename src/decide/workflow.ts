import type { SerializedBundle } from '@sigstore/bundle';
import { resolveSubject, type ArtifactDigest, type SubjectReference } from '../digest/artifact.ts';
import { InputError } from '../error.ts';
import type { ModelDigestOptions } from '../digest/model.ts';
import type { VerifiedPolicyBundle } from '../policy/bundle.ts';
import type { Signer } from '../sign/signer.ts';
import type { AttestationStore } from '../store/store.ts';
import { artifactEvidence } from './bound-evidence.ts';
import type { TrustPolicy } from '../verify/trust.ts';
import type { SignerIdentity } from '../verify/identity.ts';
import { DecisionEngine, type Decision } from './decide.ts';
import { signDecision } from './record.ts';
import { replayDecision, verifyDecisionRecord, type ReplayOutcome } from './replay.ts';

/** What a promotion decision is asked: may this artifact go to this stage, on the evidence in this store, under this policy? */
export interface PromotionRequest {
  subject: SubjectReference;
  stage: string;
  /** The model serving now (the baseline of comparison gates), or null. */
  deployed: ArtifactDigest | null;
  /** The time to judge at; absent means now, and the record says the clock chose it. */
  evaluationTime?: Date;
  /** The clock "now" is read from when no evaluationTime is asked for (default: the system's; a server's tests move theirs). */
  clock?: () => Date;
  store: AttestationStore;
  policy: VerifiedPolicyBundle;
  /** An engine already made for `policy` (a server keeps one); absent: one is made for this decision. */
  engine?: DecisionEngine;
  /** Signs a decision record; it must be one of the policy's decision_signers. `source` names it in errors (its key file). */
  recordSigner?: { signer: Signer & { identity: SignerIdentity }; source: string };
  /** Told the bytes hashed so far when the subject is a path. */
  onProgress?: ModelDigestOptions['onProgress'];
  /** Cache of TUF metadata and trusted roots, for keyless signers verified through TUF (default: the user's cache directory). */
  tufCacheDirectory?: string;
}

/** A decision and, when asked for, its signed record and where the store keeps it. */
export interface PromotionOutcome {
  decision: Decision;
  subject: { name: string; digest: ArtifactDigest };
  record?: SerializedBundle;
  recordLocation?: string;
}

/**
 * The promotion workflow the CLI, the demo and a server share: a record
 * signer the policy would not trust is refused before deciding (its records
 * could never be replayed), the subject is resolved, every bundle the store
 * holds for it (and, for an OCI manifest, for the directory digest an
 * integrity attestation claims to bind to it) is judged and compared with the
 * store's inventory, and the
 * decision is signed as a record, which the store keeps.
 */
export async function decidePromotion(request: PromotionRequest): Promise<PromotionOutcome> {
  const engine = request.engine ?? (await DecisionEngine.create(request.policy, request.tufCacheDirectory === undefined ? {} : { tufCacheDirectory: request.tufCacheDirectory }));
  const recorder = request.recordSigner;
  if (recorder !== undefined && !engine.signers.mayRecordDecisions(recorder.signer.identity)) {
    const identity = recorder.signer.identity;
    const name = identity.kind === 'key' ? identity.keyId : `${identity.issuer}|${identity.subject}`;
    throw new InputError({ code: 'KEY_INVALID', message: `${name} is not one of the policy's decision_signers (${(engine.data.decision_signers ?? []).join(', ') || 'none'}); its records could not be replayed`, path: recorder.source });
  }
  const subject = await resolveSubject(request.subject, request.onProgress === undefined ? {} : { onProgress: request.onProgress });
  const evaluationTime = request.evaluationTime ?? request.clock?.() ?? new Date();
  const evidence = artifactEvidence(request.store, subject.digest);
  const decision = await engine.decide({
    artifact: subject.digest,
    stage: request.stage,
    deployed: request.deployed,
    evaluationTime,
    evaluationTimeSource: request.evaluationTime === undefined ? 'clock' : 'requested',
    bundles: evidence.bundles,
    // Asked after the listing: a bundle put meanwhile is listed but not read, and the evidence is not verified (never the reverse).
    inventory: evidence.inventory,
  });
  if (recorder === undefined) return { decision, subject };
  const record = await signDecision(decision, { signer: recorder.signer }, subject.name);
  const { serializeBundle } = await import('../store/serialize.ts');
  const stored = await request.store.recordDecision(serializeBundle(record));
  return { decision, subject, record, recordLocation: stored.locations[0]! };
}

/** What a replay is asked: this signed record, re-made under this policy over the evidence in this store. */
export interface ReplayRequest {
  record: Buffer;
  /** Names the record in errors (its file). */
  source: string;
  store: AttestationStore;
  policy: VerifiedPolicyBundle;
  /** Who may have signed the record; default: the policy's decision_signers. */
  recordSigners?: TrustPolicy;
  /** Cache of TUF metadata and the trusted roots records pin (default: the user's cache directory). */
  tufCacheDirectory?: string;
}

/** The replay workflow the CLI and an auditor's program share: verify the record against its signers, then re-make and compare it. */
export async function replayRecord(request: ReplayRequest): Promise<ReplayOutcome> {
  // The trusted roots the record pins are read before the record is verified: they only choose
  // among the roots the policy names (by mirror and digest), and nothing the record says is
  // used unless it then verifies against the policy's decision signers.
  const engine = await DecisionEngine.create(request.policy, {
    ...(request.tufCacheDirectory === undefined ? {} : { tufCacheDirectory: request.tufCacheDirectory }),
    ...pinnedTrustRoots(request.record),
  });
  const trust = request.recordSigners ?? engine.signers.restrictedTo(engine.data.decision_signers ?? []);
  const record = verifyDecisionRecord(request.record, request.source, trust);
  return replayDecision(record, engine, request.store);
}

// The trust root pins of a record not yet verified; none when it has none or cannot be read (verification then says why).
function pinnedTrustRoots(bytes: Buffer): { pinnedTrustRoots?: Record<string, string> } {
  try {
    const envelope = (JSON.parse(bytes.toString('utf8')) as { dsseEnvelope?: { payload?: string } }).dsseEnvelope;
    const statement = JSON.parse(Buffer.from(envelope?.payload ?? '', 'base64').toString('utf8')) as { predicate?: { gatehouse?: { trustedRoots?: unknown } } };
    const pins = statement.predicate?.gatehouse?.trustedRoots;
    if (pins === null || typeof pins !== 'object' || Array.isArray(pins)) return {};
    return { pinnedTrustRoots: Object.fromEntries(Object.entries(pins).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) };
  } catch {
    return {};
  }
}
