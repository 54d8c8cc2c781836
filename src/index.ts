// The public surface of gatehouse as a library: the workflows a user calls
// and the types they pass. Everything is named here with a one-line doc
// comment (docs/api.md is generated from these lines by scripts/api-docs.ts);
// nothing is re-exported wholesale, and internals stay internal.

// ## Gates
/** Runs the integrity gate: hash an artifact, compare it with the digest its producer recorded, sign, deliver to the sink. */
export { integrityGate } from './gates/integrity/index.ts';
/** What the integrity gate is asked: the artifact's path and the digest expected. */
export type { IntegrityGateRequest } from './gates/integrity/index.ts';
/** Runs the provenance gate: verify the model's model-signing signature against the policy's model signers, sign, deliver. */
export { provenanceGate } from './gates/provenance/index.ts';
/** What the provenance gate is asked: the model directory, its signature, the policy. */
export type { ProvenanceGateRequest } from './gates/provenance/index.ts';
/** Runs the regression gate: the candidate against the deployed model on every example of the pinned evaluation set. */
export { regressionGate } from './gates/regression/index.ts';
/** What the regression gate is asked: the results files, the evaluation set, the deployed model, the policy. */
export type { RegressionGateRequest } from './gates/regression/index.ts';
/** Runs the safety gate: the model's answers to the pinned safety dataset, from a file or an endpoint, judged and signed. */
export { safetyGate } from './gates/safety/index.ts';
/** What the safety gate is asked: the dataset, responses or an endpoint, an optional LLM judge, the policy. */
export type { SafetyGateRequest } from './gates/safety/index.ts';
/** Runs the bias gate: fairness across groups and intersections from predictions on the pinned dataset. */
export { biasGate } from './gates/bias/index.ts';
/** What the bias gate is asked: predictions, the labelled dataset, the group columns, the policy. */
export type { BiasGateRequest } from './gates/bias/index.ts';
/** Runs the canary gate: the candidate against the deployed model on live traffic, one window or watched with rollback. */
export { canaryGate } from './gates/canary/index.ts';
/** What the canary gate is asked: the metrics source, a window or a watch, a rollback, the policy. */
export type { CanaryGateRequest } from './gates/canary/index.ts';
/** A metrics source over a Prometheus server's query_range API, chunked under its point limit. */
export { prometheusSource } from './gates/canary/prometheus.ts';
/** A metrics source over a recorded export, and the recorder that writes one from any source. */
export { exportSource, recordExport } from './gates/canary/export.ts';
/** What every gate entry point needs beyond its evidence: evaluation time, signing, a sink, optional progress. */
export type { GateContext } from './gates/workflow.ts';
/** Where a gate's signed attestation and report go. */
export type { GateSink } from './gates/workflow.ts';
/** A finished gate run: the signed statement and bundle, where they went, a Markdown summary. */
export type { GateOutcome } from './gates/workflow.ts';
/** A gate verdict as a report in one of REPORT_FORMATS, as `gate … --output` writes it. */
export { gateReport } from './gates/reports.ts';
/** A sink on the filesystem: the attestation into a store (or one file), reports into a folder. */
export { fileSink } from './gates/workflow.ts';
/** The last step of a gate entry point: serialise the bundle once and hand it, and any report, to the sink. */
export { deliverGateRun } from './gates/workflow.ts';
/** Signs a gate's predicate, checked against its registered schema, as an attestation about the artifact. */
export { attestGate } from './gates/gate.ts';
/** A gate's thresholds from a verified policy bundle, checked against the schema its definition gives. */
export { gateThresholds } from './gates/gate.ts';
/** The base fields of a predicate that applies policy thresholds. */
export { judgedBase } from './gates/gate.ts';
/** The policy digest, evaluation time and confidence level a threshold-applying gate records. */
export { judgingContext } from './gates/gate.ts';
/** A signed gate attestation and the statement inside it. */
export type { GateRun } from './gates/gate.ts';
/** What a gate is: name, predicate type, schemas and the facts a policy needs. */
export type { GateDefinition } from './gates/definition.ts';
/** The registry every command, decision and policy build uses; register a gate of your own here. */
export { gateRegistry } from './gates/registry.ts';
/** A set of gate definitions, from which predicate checks, the policy data schema and gate facts derive. */
export { GateRegistry } from './gates/registry.ts';
/** A registered gate, with its schemas compiled. */
export type { RegisteredGate } from './gates/registry.ts';
/** A gate's facts as a built policy bundle's data carries them. */
export type { GateFacts } from './gates/registry.ts';

// ## Decisions
/** Decides whether an artifact may be promoted to a stage, from the store's evidence and a verified policy; optionally signs a record. */
export { decidePromotion } from './decide/workflow.ts';
/** What a promotion decision is asked. */
export type { PromotionRequest } from './decide/workflow.ts';
/** A decision and, when asked for, its signed record. */
export type { PromotionOutcome } from './decide/workflow.ts';
/** Verifies a signed decision record and re-makes it offline; identical or every difference. */
export { replayRecord } from './decide/workflow.ts';
/** What a replay is asked. */
export type { ReplayRequest } from './decide/workflow.ts';
/** What a replay found. */
export type { ReplayOutcome } from './decide/replay.ts';
/** A policy compiled for deciding, for a program that decides many times under one policy. */
export { DecisionEngine } from './decide/decide.ts';
/** A decision: the question, the policy's result, the input it judged. */
export type { Decision } from './decide/decide.ts';
/** The policy's answer: allowed, per-gate reports and violations. */
export type { DecisionResult } from './decide/decide.ts';
/** One reason a decision denies. */
export type { Violation } from './decide/decide.ts';
/** A decision as the lines `gatehouse verify` prints. */
export { formatDecision } from './decide/format.ts';
/** A decision as a report in one of REPORT_FORMATS (json, yaml, junit, sarif, markdown). */
export { decisionReport } from './decide/reports.ts';
/** The report formats decisionReport writes. */
export { REPORT_FORMATS } from './decide/reports.ts';
/** The predicate type of a signed decision record (a SLSA verification summary). */
export { DECISION_PREDICATE_TYPE } from './decide/record.ts';
/** A decision record's predicate. */
export type { DecisionRecordPredicate } from './decide/record.ts';

// ## Policy
/** Reads a signed policy bundle and verifies it against the policy team's key. */
export { readPolicyBundle } from './policy/bundle.ts';
/** Reads the policy team's public key. */
export { readPolicyKey } from './policy/bundle.ts';
/** A policy bundle whose signature verified: its data, its compiled policy, its digest. */
export type { VerifiedPolicyBundle } from './policy/bundle.ts';
/** Tests, builds with opa and signs a policy bundle from a policies directory. */
export { buildPolicyBundle } from './policy/build.ts';
/** What buildPolicyBundle takes. */
export type { PolicyBuildOptions } from './policy/build.ts';
/** Runs a policies directory's Rego tests with opa, naming each failure. */
export { testPolicies } from './policy/build.ts';
/** Scaffolds a policy repository with keys of its own. */
export { initPolicyRepository } from './policy/init.ts';
/** The complete policy data schema, with every registered gate's thresholds. */
export { policyDataSchema } from './policy/data.ts';
/** data.gatehouse of a policy bundle. */
export type { PolicyData } from './policy/data.ts';

// ## Stores
/** Opens the store a --store URI names (file:DIR, file:///abs, or a directory). */
export { openStore } from './store/open.ts';
/** The store used when none is named. */
export { DEFAULT_STORE_URI } from './store/open.ts';
/** The contract every store keeps: put exact bytes, get by digest, list a subject's bundles page by page. */
export type { AttestationStore } from './store/store.ts';
/** Every entry a store holds for a subject, page after page. */
export { storeEntries } from './store/store.ts';
/** A stored bundle as read back. */
export type { StoredBundle } from './store/store.ts';
/** An entry of a listing: a bundle, or what could not be read as one. */
export type { StoreEntry } from './store/store.ts';
/** How a listing is narrowed and paged. */
export type { ListOptions } from './store/store.ts';
/** One page of a listing. */
export type { ListPage } from './store/store.ts';
/** What a put did: the bundle's digest and its locations. */
export type { PutResult } from './store/store.ts';
/** The attestation store on a filesystem. */
export { FileSystemAttestationStore } from './store/fs-store.ts';
/** The one way gatehouse writes a Sigstore bundle to bytes. */
export { serializeBundle } from './store/serialize.ts';

// ## Signing
/** Signs with a local ECDSA P-256 or Ed25519 private key. */
export { KeySigner } from './sign/key/key-signer.ts';
/** A signer for the private key in a PEM file (cosign's encrypted keys too). */
export { readKeySigner } from './sign/key/key-signer.ts';
/** Keyless signing: a Fulcio certificate for an OIDC identity, logged in Rekor. */
export { keylessSigning } from './sign/keyless/keyless.ts';
/** How keyless signing is configured. */
export type { KeylessOptions } from './sign/keyless/keyless.ts';
/** Signs an in-toto statement as a DSSE envelope in a Sigstore bundle. */
export { signStatement } from './sign/attest.ts';
/** Signs a statement that an artifact has a predicate, checking a registered gate's schema first. */
export { attestPredicate } from './sign/attest.ts';
/** How to sign: a signer and its witnesses. */
export type { SigningOptions } from './sign/attest.ts';
/** What signs: sigstore-js's signer interface. */
export type { Signer } from './sign/signer.ts';
/** An in-toto statement as gatehouse writes it. */
export { toStatement } from './attest/statement.ts';
/** A typed in-toto statement. */
export type { Statement } from './attest/statement.ts';
/** Writes the model-signing signature (model.sig) of a model directory. */
export { signModelDirectory } from './gates/provenance/model-signing.ts';
/** A key signer with the key hint model-signing checks. */
export { modelSigningKeySigner } from './gates/provenance/model-signing.ts';

// ## Verification
/** Verifies Sigstore bundles offline against trusted keys and keyless identities. */
export { AttestationVerifier } from './verify/verifier.ts';
/** What verification proved: the statement, its signer, its timestamps. */
export type { VerifiedAttestation } from './verify/verifier.ts';
/** Verifies a bundle file and checks its predicate type and subject. */
export { verifyAttestationFile } from './verify/expectations.ts';
/** Who verification trusts. */
export type { TrustPolicy } from './verify/trust.ts';
/** Reads trusted public keys. */
export { readTrustedKeys } from './verify/trust.ts';
/** Reads a Sigstore trusted_root.json. */
export { readTrustedRoot } from './verify/trust.ts';
/** Who signed a verified bundle: a key or a keyless identity. */
export type { SignerIdentity } from './verify/identity.ts';
/** A signer's stable one-string name. */
export { signerName } from './verify/identity.ts';

// ## Keys and digests
/** Generates and writes a key pair, never overwriting one. */
export { writeKeyPair } from './keys/keys.ts';
/** Generates a key pair in PEM. */
export { generateKeyPair } from './keys/keys.ts';
/** Reads a PEM private key (cosign's encrypted format and encrypted PKCS#8 too). */
export { readPrivateKey } from './keys/keys.ts';
/** Reads a PEM public key. */
export { readPublicKey } from './keys/keys.ts';
/** A public key's SSH-style SHA256 fingerprint, the key id policies name. */
export { keyFingerprint } from './keys/keys.ts';
/** Hashes a file or a model directory (the OpenSSF model-signing manifest digest). */
export { digestArtifact } from './digest/artifact.ts';
/** Resolves a subject given as a path or as sha256:hex. */
export { resolveSubject } from './digest/artifact.ts';
/** Parses sha256:hex. */
export { parseDigest } from './digest/artifact.ts';
/** A sha256:hex digest. */
export type { ArtifactDigest } from './digest/artifact.ts';
/** A model directory's manifest. */
export type { ModelManifest } from './digest/model.ts';

// ## Predicates
/** Fields every gate predicate carries. */
export type { GatePredicateBase } from './attest/predicates.ts';
/** pass, fail or insufficient-evidence. */
export type { GateVerdict } from './attest/predicates.ts';
/** The integrity gate's predicate. */
export type { IntegrityPredicate } from './attest/predicates.ts';
/** The provenance gate's predicate. */
export type { ProvenancePredicate } from './attest/predicates.ts';
/** The regression gate's predicate. */
export type { RegressionPredicate } from './attest/predicates.ts';
/** The safety gate's predicate. */
export type { SafetyPredicate } from './attest/predicates.ts';
/** The bias gate's predicate. */
export type { BiasPredicate } from './attest/predicates.ts';
/** The approval predicate (v2: bound to a request and the packet reviewed). */
export type { ApprovalPredicate } from './attest/predicates.ts';
/** The canary predicate. */
export type { CanaryPredicate } from './attest/predicates.ts';

// ## Human approval
/** Signs an approval request covering the evidence a decision would use, with risk, roles, deadline and deep-review draw. */
export { requestApproval } from './approval/request.ts';
/** What an approval request is made from, and what it made. */
export type { ApprovalRequestOptions, ApprovalRequestOutcome } from './approval/request.ts';
/** Signs an approver's decision on a request, refusing the requester, the author, gate signers and stale packets. */
export { signApproval } from './approval/sign.ts';
/** One approver's decision on one request, and what was signed. */
export type { ApprovalSignOptions, ApprovalSignOutcome } from './approval/sign.ts';
/** Where every request for a subject and stage stands, who can act, and escalation notifications. */
export { approvalStatus } from './approval/status.ts';
/** A request's state and every request of a subject and stage. */
export type { ApprovalStatus, RequestStatus } from './approval/status.ts';
/** Per-approver decisions, approve rate, review times and findings, and every break-glass override. */
export { approvalAudit } from './approval/audit.ts';
/** Everything an approver reviews about one request. */
export { reviewView } from './approval/review.ts';
/** Signs an emergency override of the approval gate by a break-glass role. */
export { breakGlass } from './approval/break-glass.ts';
/** The review page and the audit as self-contained HTML and as terminal text. */
export { renderReviewHTML, renderReviewText, renderAuditHTML, renderAuditText } from './approval/render.ts';
/** The review page's and the audit's data. */
export type { ReviewView, AuditReport } from './approval/view.ts';
/** The predicate types of approval requests and break-glass overrides. */
export { APPROVAL_REQUEST_TYPE, BREAK_GLASS_TYPE } from './approval/statements.ts';
/** The approval request predicate. */
export type { ApprovalRequestPredicate } from './approval/statements.ts';

// ## Errors
/** An approval step the workflow refuses (self-approval, a stale packet, a missing deep review): exit 1, HTTP 422. */
export { ApprovalError } from './approval/error.ts';
/** Base of every error gatehouse raises on purpose, with a literal code. */
export { GatehouseError } from './error.ts';
/** Unusable input (a file, a flag value), naming the file. */
export { InputError } from './error.ts';
/** A bundle did not verify. */
export { VerificationError } from './verify/error.ts';
/** A policy bundle was refused, or its evaluation failed. */
export { PolicyError } from './policy/error.ts';
/** Signing failed, or a keyless identity token is missing. */
export { SigningError } from './sign/error.ts';
/** An artifact could not be hashed. */
export { DigestError } from './digest/error.ts';
/** A store's backend could not be reached. */
export { StoreError } from './store/error.ts';
/** An evaluation endpoint did not answer, or answered something unusable. */
export { EndpointError } from './io/error.ts';
/** What any thrown error means: its kind, exit code, HTTP status and one line (what the CLI and a server answer). */
export { classifyError } from './error-classification.ts';
/** A classification of a thrown error. */
export type { ErrorClassification } from './error-classification.ts';
/** The exit codes every command shares. */
export { EXIT } from './error-classification.ts';
/** The engine's name and version, as predicates record it. */
export { ENGINE } from './version.ts';
