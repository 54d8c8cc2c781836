// The public surface of gatehouse as a library. Everything a user can call is
// named here; nothing is re-exported wholesale.

export { GatehouseError, InputError } from './error.ts';
export type { InputErrorCode } from './error.ts';
export { EXIT, HTTP_STATUS, classifyError } from './error-classification.ts';
export type { ErrorClassification, ExitCode, FailureKind } from './error-classification.ts';
export { ENGINE } from './version.ts';

export { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPE, statementValidator, subjectDigests, toStatement, writtenStatementValidator } from './attest/statement.ts';
export type { DigestSet, InTotoStatement, InTotoSubject, ResourceDescriptor, Statement, StatementOptions, Subject } from './attest/statement.ts';
export { GATE_NAMES, PREDICATE_TYPES } from './attest/predicates.ts';
export type {
  ApprovalPredicate,
  ArtifactDescription,
  BiasPredicate,
  CanaryPredicate,
  EvidenceReference,
  GateName,
  GatePredicateBase,
  GateVerdict,
  IntegrityPredicate,
  Interval,
  JudgeIdentity,
  ManifestMismatch,
  MetricComparison,
  ProvenancePredicate,
  RegressionMetric,
  RegressionPredicate,
  RegressionSlice,
  SafetyPredicate,
} from './attest/predicates.ts';
export { predicateValidatorFor, predicateValidators } from './attest/predicate-schemas.ts';
export { canonicalJSON, canonicalize } from './canonical/json.ts';
export type { SchemaValidator } from './schema/validator.ts';

export { KEY_ALGORITHMS, generateKeyPair, keyFingerprint, readPrivateKey, readPublicKey, toPublicKeyPEM } from './keys/keys.ts';
export type { KeyAlgorithm, PEMKeyPair } from './keys/keys.ts';

export type { Signature, Signer } from './sign/signer.ts';
export { KeySigner } from './sign/key/key-signer.ts';
export { SIGSTORE_PUBLIC_GOOD, keylessSigning } from './sign/keyless/keyless.ts';
export type { KeylessOptions, KeylessSigning } from './sign/keyless/keyless.ts';
export { signStatement } from './sign/attest.ts';
export type { AttestOptions } from './sign/attest.ts';
export { SigningError } from './sign/error.ts';
export type { SigningErrorCode } from './sign/error.ts';

export { AttestationVerifier } from './verify/verifier.ts';
export type { VerifiedAttestation } from './verify/verifier.ts';
export { readTrustedKeys, readTrustedRoot, toTrustedKey } from './verify/trust.ts';
export type { KeylessTrust, TrustPolicy, TrustedIdentity, TrustedKey } from './verify/trust.ts';
export { ARTIFACT_DIGEST_ALGORITHMS, artifactDigestsOf, isAbout, parseArtifactDigest } from './verify/subject.ts';
export type { ArtifactDigestAlgorithm } from './verify/subject.ts';
export { signerName } from './verify/identity.ts';
export type { SignerIdentity } from './verify/identity.ts';
export { VerificationError } from './verify/error.ts';
export type { VerificationErrorCode } from './verify/error.ts';

export { digestArtifact, digestHex, parseDigest } from './digest/artifact.ts';
export type { ArtifactDigest, ArtifactDigestResult } from './digest/artifact.ts';
export { DEFAULT_IGNORE_PATHS, DEFAULT_SHARD_SIZE, hashFile, hashModelDirectory } from './digest/model.ts';
export type { ManifestResource, ModelDigestOptions, ModelManifest, Serialization } from './digest/model.ts';
export { HashPool } from './digest/pool.ts';
export type { HashTask } from './digest/pool.ts';
export { DigestError } from './digest/error.ts';

export type { AttestationStore, StoredBundle, UnreadableBundle } from './store/store.ts';
export { DEFAULT_STORE_DIRECTORY, FileSystemAttestationStore } from './store/fs-store.ts';

export { attestGate, describeArtifact, describeManifest } from './gates/gate.ts';
export { parseRFC3339, toRFC3339 } from './time.ts';
export type { GateRun } from './gates/gate.ts';
export { evaluateIntegrity } from './gates/integrity/evaluate.ts';
export type { IntegrityConfig, IntegrityInputs } from './gates/integrity/evaluate.ts';
export { runIntegrityGate } from './gates/integrity/index.ts';
export type { IntegrityGateOptions } from './gates/integrity/index.ts';
export { compareManifests, evaluateProvenance } from './gates/provenance/evaluate.ts';
export type { ModelSignatureEvidence, ProvenanceConfig, ProvenanceInputs } from './gates/provenance/evaluate.ts';
export { runProvenanceGate } from './gates/provenance/index.ts';
export type { ProvenanceGateOptions } from './gates/provenance/index.ts';
export {
  MODEL_SIGNATURE_FILE,
  MODEL_SIGNING_PREDICATE_TYPE,
  modelSigningKeyHint,
  modelSigningKeySigner,
  signModelDirectory,
  toModelSigningStatement,
} from './gates/provenance/model-signing.ts';

export { DECISION_ENTRYPOINT, SIGNATURES_FILE, readPolicyBundle, verifyPolicyBundle } from './policy/bundle.ts';
export type { VerifiedPolicyBundle } from './policy/bundle.ts';
export { buildPolicyBundle, stagePolicySources, testPolicies } from './policy/build.ts';
export type { PolicyBuildOptions, PolicySourceOptions } from './policy/build.ts';
export { policyDataOf, policySigners } from './policy/data.ts';
export type { PolicyData, PolicySigners } from './policy/data.ts';
export { OpaWasmEvaluator } from './policy/evaluator.ts';
export { PolicyError } from './policy/error.ts';
export type { PolicyErrorCode } from './policy/error.ts';
export { opaFileHash } from './policy/opa-hash.ts';
export { readTarGz } from './policy/tar.ts';

export { DecisionEngine } from './decide/decide.ts';
export type { Decision, DecisionRequest, DecisionResult, GateReport, Violation } from './decide/decide.ts';
export { buildPolicyInput, inputDigest } from './decide/input.ts';
export type { AttestationRecord, PolicyInput } from './decide/input.ts';
export { collectAttestations } from './decide/attestations.ts';
export { DECISION_PREDICATE_TYPE, signDecision, toDecisionStatement } from './decide/record.ts';
export type { DecisionRecordPredicate } from './decide/record.ts';
export { diffJSON, replayDecision, verifyDecisionRecord } from './decide/replay.ts';
export type { ReplayOutcome, VerifiedDecisionRecord } from './decide/replay.ts';
export { formatDecision, rejectedBundles } from './decide/format.ts';

export { DEFAULT_RESAMPLES, bootstrapQuantileChange, bootstrapQuantileChanges, mean, pairedBootstrap, pairedBootstrapMeans, quantile, quantileOfSorted } from './stats/bootstrap.ts';
export type { BootstrapOptions, BootstrapResult, PairedQuantiles, QuantileChange } from './stats/bootstrap.ts';
export { clopperPearsonInterval, koopmanRatioInterval, newcombeInterval, samplesNeeded, wilsonInterval } from './stats/intervals.ts';
export { bonferroniLevel, halfNormalSumBound, pairsOf, ratioBounds, sidakLevel, spreadBounds } from './stats/simultaneous.ts';
export type { ExtremeBounds, RateCounts } from './stats/simultaneous.ts';
export type { Interval as ConfidenceInterval } from './stats/intervals.ts';
export { binomial, seededRandom } from './stats/random.ts';
export type { SeededRandom } from './stats/random.ts';
export { betaQuantile, incompleteBeta, normalCdf, normalQuantile, studentTCdf, studentTQuantile } from './stats/special.ts';
export { pairedCounts, pairedMeanEvidence, pairedProportionEvidence, tangoStatistic } from './stats/paired.ts';
export type { DifferenceEvidence, PairedCounts } from './stats/paired.ts';
export { geometricMean, logRatioEvidence, runsNeeded } from './stats/ratio.ts';
export type { RunEvidenceProblem } from './stats/ratio.ts';
export { benjaminiHochberg, cohensD, cohensDz, hodgesLehmannShift, holm, mannWhitneyNullCdf, mannWhitneyU } from './stats/tests.ts';
export { runBootstraps } from './stats/parallel.ts';
export type { BootstrapJob, BootstrapJobResult } from './stats/parallel.ts';

export { DEFAULT_LEVEL, evaluateRegression, nonInferiority, regressionSettings } from './gates/regression/evaluate.ts';
export type { MetricThreshold, RegressionConfig, RegressionInputs, RegressionReport, RegressionThresholds } from './gates/regression/evaluate.ts';
export { regressionThresholdsFrom, runRegressionGate } from './gates/regression/index.ts';
export type { RegressionGateOptions, RegressionGateRun } from './gates/regression/index.ts';
export { MAX_EXAMPLES, readEvaluationSet, readExampleResults, readResultsEvidence, readRunEvidence, readRunFigures } from './gates/regression/results.ts';
export type { EvaluationExample, EvidenceFile, ExampleResult, ResultsFormat, RunFigures } from './gates/regression/results.ts';

export { readSafetyDataset } from './gates/safety/dataset.ts';
export type { SafetyPrompt } from './gates/safety/dataset.ts';
export { chatCompletion, collectResponses, progressLine } from './gates/safety/endpoint.ts';
export { EndpointError } from './io/error.ts';
export type { EndpointErrorCode } from './io/error.ts';
export type { ChatEndpoint, CollectOptions } from './gates/safety/endpoint.ts';
export { evaluateSafety } from './gates/safety/evaluate.ts';
export type { JudgedResponse, SafetyConfig, SafetyInputs, SafetyReport, SafetyThresholds } from './gates/safety/evaluate.ts';
export { assertJudgeAccepted, judgeAccepted, judgeResponses, responsesDigest, runSafetyGate, safetyThresholdsFrom } from './gates/safety/index.ts';
export type { SafetyGateOptions, SafetyGateRun } from './gates/safety/index.ts';
export { LLMJudge, RuleRefusalJudge, fillTemplate } from './gates/safety/judge.ts';
export type { Judge } from './gates/safety/judge.ts';
export { detectPII, luhn } from './gates/safety/pii.ts';
export type { PIIFinding } from './gates/safety/pii.ts';
export { parseResponses, readResponses } from './gates/safety/responses.ts';
export type { ResponsesFormat } from './gates/safety/responses.ts';

export { BIAS_METRIC_NAMES, DEFAULT_MIN_GROUP_SIZE, DEFAULT_SCORE_THRESHOLD, FAIRNESS_METRICS, evaluateBias } from './gates/bias/evaluate.ts';
export type { BiasConfig, BiasInputs, BiasReport, BiasThresholds, FairnessMetric, GroupCounts, GroupFigures } from './gates/bias/evaluate.ts';
export { biasThresholdsFrom, runBiasGate } from './gates/bias/index.ts';
export type { BiasGateOptions, BiasGateRun, EvidenceText } from './gates/bias/index.ts';
export { joinPredictions, parseBiasDataset, parseCounterfactuals, readCounterfactuals } from './gates/bias/predictions.ts';
export type { CounterfactualPair, DatasetRow, JoinedPredictions, Prediction } from './gates/bias/predictions.ts';
export { attestWithReport, gateThresholds, judgedBase } from './gates/gate.ts';
export type { JudgedConfig, ReportedGateRun } from './gates/gate.ts';
