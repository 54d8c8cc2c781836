import { basename, resolve } from 'node:path';
import type { SerializedBundle } from '@sigstore/bundle';
import { toStatement, type Statement } from '../attest/statement.ts';
import type { ArtifactDescription, GatePredicateBase, GateVerdict } from '../attest/predicates.ts';
import { ENGINE } from '../version.ts';
import { gateRegistry } from './registry.ts';
import { digestArtifact, digestHex, type ArtifactDigest } from '../digest/artifact.ts';
import type { ModelDigestOptions, ModelManifest } from '../digest/model.ts';
import type { VerifiedPolicyBundle } from '../policy/bundle.ts';
import type { SchemaValidator } from '../schema/validator.ts';
import { signStatement, type SigningOptions } from '../sign/attest.ts';
import { toRFC3339 } from '../time.ts';
import { markdownText } from '../io/text.ts';
import { sha256Hex } from '../digest/sha256.ts';

/** What running a gate produced: the signed attestation and the statement inside it. */
export interface GateRun<P extends GatePredicateBase> {
  statement: Statement<P>;
  bundle: SerializedBundle;
}

/**
 * The last step every gate shares: wrap its predicate in a statement about the
 * artifact, check the predicate against its schema, and sign it. `also` names
 * further subjects the same statement is about (the integrity gate's
 * model-signing directory digest beside an OCI manifest's), after the first.
 */
export async function attestGate<P extends GatePredicateBase>(
  subject: { name: string; digest: ArtifactDigest },
  predicate: P,
  signing: SigningOptions,
  also: ReadonlyArray<{ name: string; digest: ArtifactDigest }> = [],
): Promise<GateRun<P>> {
  const gate = gateRegistry.get(predicate.gate);
  if (gate === undefined) throw new Error(`no gate named ${predicate.gate} is registered`);
  const predicateType = gate.predicateType;
  // The gate wrote this predicate: if it breaks its own schema the fault is
  // gatehouse's (an internal error), never the user's input.
  const problem = gate.predicateValidator.problem(predicate);
  if (problem !== undefined) throw new Error(`the ${predicate.gate} gate produced a predicate that breaks its schema: ${problem}`);
  const statement = toStatement({
    subjects: [subject, ...also].map((one) => ({ name: one.name, digest: { sha256: digestHex(one.digest) } })),
    predicateType,
    predicate,
  });
  return { statement, bundle: await signStatement(statement, signing) };
}

/** Hashes an artifact and describes it the way gate predicates record it. */
export async function describeArtifact(path: string, digest?: ModelDigestOptions): Promise<ArtifactDescription & { digest: ArtifactDigest }> {
  const result = await digestArtifact(path, digest);
  if (result.manifest !== undefined) return describeManifest(result.manifest);
  return { name: basename(resolve(path)), digest: result.digest, kind: result.kind };
}

/** A model directory's manifest as gate predicates record it. */
export function describeManifest(manifest: ModelManifest): ArtifactDescription & { digest: ArtifactDigest } {
  return {
    name: manifest.modelName,
    digest: `sha256:${manifest.digest}`,
    kind: 'directory',
    serialization: manifest.serialization,
    ignorePaths: manifest.ignorePaths,
    resources: manifest.resources.length,
    bytes: manifest.totalBytes,
  };
}

/** A gate's thresholds from a verified policy bundle (data.gatehouse.thresholds.<gate>), checked against the schema its definition gives. */
export function gateThresholds<T>(bundle: VerifiedPolicyBundle, gate: string): T {
  const registered = gateRegistry.get(gate)?.thresholdsValidator;
  if (registered === undefined) throw new Error(`gate ${gate} has no thresholds schema`);
  const validator: SchemaValidator<T> = registered as SchemaValidator<T>;
  const thresholds: unknown = ((bundle.data['gatehouse'] as { thresholds?: Record<string, unknown> } | undefined)?.thresholds ?? {})[gate];
  validator.assert(thresholds, `${bundle.source}:data.json`, `${gate} thresholds`);
  return thresholds;
}

/** A gate run that also wrote a full JSON report and a Markdown summary. */
export interface ReportedGateRun<P extends GatePredicateBase> extends GateRun<P> {
  reportJSON: string;
  markdown: string;
}

/**
 * Signs a predicate whose evidence names the digest of the gate's full report,
 * so the report beside the attestation can be checked against it.
 */
export async function attestWithReport<P extends GatePredicateBase>(
  subject: { name: string; digest: ArtifactDigest },
  predicate: P,
  report: object,
  markdown: (predicate: P) => string,
  signing: SigningOptions,
): Promise<ReportedGateRun<P>> {
  const reportJSON = `${JSON.stringify({ subject, ...report }, null, 2)}\n`;
  const withReport = { ...predicate, evidence: [...predicate.evidence, { role: 'report', digest: `sha256:${sha256Hex(reportJSON)}` }] };
  const run = await attestGate(subject, withReport, signing);
  return { ...run, reportJSON, markdown: markdown(withReport) };
}

/** A figure for reasons and reports: four significant digits, '-' when there is none. */
export function figure(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : Number(value.toPrecision(4)).toString();
}

/** Confidence level of every interval a gate judges by. */
export const GATE_LEVEL = 0.95;

/**
 * What every threshold-applying gate records about where its judgement came
 * from: the verified policy bundle's digest, the evaluation time, the level.
 */
export function judgingContext(policy: VerifiedPolicyBundle, evaluatedAt: Date): { policyDigest: string; evaluatedAt: string; level: number } {
  return { policyDigest: `sha256:${policy.digest}`, evaluatedAt: toRFC3339(evaluatedAt), level: GATE_LEVEL };
}

/** How a gate that applies policy thresholds was configured. */
export interface JudgedConfig {
  evaluatedAt: string;
  policyDigest: string | null;
  thresholds: object;
}

/** The fields every threshold-applying gate's predicate starts with; reasons are kept only when the verdict is not pass. */
export function judgedBase<G extends string>(gate: G, verdict: GateVerdict, reasons: string[], config: JudgedConfig): Omit<GatePredicateBase<G>, 'evidence'> {
  return {
    gate,
    verdict,
    evaluatedAt: config.evaluatedAt,
    engine: { ...ENGINE },
    reasons: verdict === 'pass' ? [] : reasons,
    policy: config.policyDigest === null ? null : { digest: config.policyDigest },
    thresholds: config.thresholds as Record<string, unknown>,
  };
}

/** A gate's verdict and reasons as a Markdown summary, for gates without a report of their own; every piece of text escaped. */
export function gateMarkdown(predicate: GatePredicateBase, subject: string): string {
  const gate = predicate.gate.charAt(0).toUpperCase() + predicate.gate.slice(1);
  const lines = [`# ${markdownText(gate)} gate: ${markdownText(predicate.verdict.toUpperCase())}`, '', `Model ${markdownText(subject)}`];
  if (predicate.reasons.length > 0) lines.push('', '## Why', '', ...predicate.reasons.map((reason) => `- ${markdownText(reason)}`));
  return `${lines.join('\n')}\n`;
}
