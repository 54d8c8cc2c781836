import type { IntegrityPredicate } from '../../attest/predicates.ts';
import type { ArtifactDigest } from '../../digest/artifact.ts';
import type { ModelDigestOptions } from '../../digest/model.ts';
import type { SigningOptions } from '../../sign/attest.ts';
import { toRFC3339 } from '../../time.ts';
import { attestGate, describeArtifact, type GateRun } from '../gate.ts';
import { deliverGateRun, progressOption, type GateContext, type GateOutcome } from '../workflow.ts';
import { evaluateIntegrity } from './evaluate.ts';

export interface IntegrityGateOptions {
  /** A model directory or file. */
  path: string;
  expected: ArtifactDigest;
  /** Where the expected digest came from (a registry URL, a pipeline run). */
  expectedSource?: string;
  evaluatedAt: Date;
  signing: SigningOptions;
  digest?: ModelDigestOptions;
}

/** Hashes the artifact, compares it with the recorded digest and signs the verdict. */
export async function runIntegrityGate(options: IntegrityGateOptions): Promise<GateRun<IntegrityPredicate>> {
  const artifact = await describeArtifact(options.path, options.digest);
  const predicate = evaluateIntegrity(
    {
      artifact,
      expected: { digest: options.expected, ...(options.expectedSource === undefined ? {} : { source: options.expectedSource }) },
    },
    { evaluatedAt: toRFC3339(options.evaluatedAt) },
  );
  return attestGate({ name: artifact.name, digest: artifact.digest }, predicate, options.signing);
}

/** What the integrity gate is asked: is the artifact at `path` the one whose digest its producer recorded? */
export interface IntegrityGateRequest {
  path: string;
  expected: ArtifactDigest;
  expectedSource?: string;
}

/** The integrity gate's entry point (CLI, demo and server): hash, judge, sign, deliver to the sink. */
export async function integrityGate(request: IntegrityGateRequest, context: GateContext): Promise<GateOutcome<IntegrityPredicate>> {
  const run = await runIntegrityGate({
    ...request,
    evaluatedAt: context.evaluatedAt,
    signing: context.signing,
    digest: progressOption(context, `digesting ${request.path}`, 'bytes'),
  });
  return deliverGateRun(run, context.sink);
}
