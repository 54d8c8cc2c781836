# Attestation helpers
#
# Views over the verified attestation records TypeScript put in the input.
# Only records with verified true are evidence; the others are reported.
# Times are whole milliseconds since the epoch.
package lib

# Verified records whose predicate type belongs to a configured gate, keyed by
# gate and then by the record's position in the input. Evidence is kept in
# objects, never in sets of records: OPA's WebAssembly hashes a whole record at
# every step over a set (docs/design.md, "Linear evaluation").
candidates[gate][i] := record if {
	some i, record in input.attestations
	record.verified
	gate := gate_of_type(record.predicate_type)
}

# Bundles that failed verification, with the gate they claim (untrusted, for reporting only).
unverified[gate][i] := record if {
	some i, record in input.attestations
	not record.verified
	gate := gate_of_type(record.claimed_predicate_type)
}

# A candidate is about the artifact being decided: a subject names it by its
# digest (record.subjects lists every "<algorithm>:<hex>" the statement
# carries), in an algorithm policy data accepts for naming artifacts; or, when
# the artifact is an OCI manifest, a subject is the model-signing directory
# digest a trusted integrity attestation binds to it.
about_artifact(record) if names_artifact(record)

about_artifact(record) if {
	some digest in record.subjects
	digest in bound_model_digests
}

# A subject of the record names the artifact itself by its digest.
names_artifact(record) if {
	input.artifact in record.subjects
	digest_algorithm(input.artifact) in rule_data("artifact_digest_algorithms")
}

# A digest names the model being decided: the artifact itself, or the directory digest bound to it.
is_model(digest) if digest == input.artifact

is_model(digest) if digest in bound_model_digests

# Integrity attestations claiming to bind a model-signing directory digest to
# the OCI manifest being decided: about the manifest and the directory digest
# both, their predicate naming the manifest judged and the directory digest of
# its content. A claim only: bound_model_digests says which bind.
integrity_bindings[i] := record if {
	some i, record in candidates.integrity
	names_artifact(record)
	record.predicate.oci.manifestDigest == input.artifact
	record.predicate.artifact.digest in record.subjects
}

# The claimed bindings from an authorised integrity signer, placed consistently in time and fresh.
trusted_bindings[i] := record if {
	some i, record in integrity_bindings
	authorised("integrity", record)
	not from_future(record)
	not evaluated_after_signing(record)
	not stale("integrity", record)
}

latest_binding_ms := max({record.evaluated_at_ms | some record in trusted_bindings})

# The newest trusted binding found a blob that is not what its manifest names.
newest_binding_failed if {
	some record in trusted_bindings
	record.evaluated_at_ms == latest_binding_ms
	record.predicate.verdict != "pass"
}

# Directory digests whose evidence counts for the manifest being decided: bound
# by the newest trusted integrity attestation, which passed (every blob is what
# the manifest names), so a later failure withdraws an earlier binding.
bound_model_digests contains record.predicate.artifact.digest if {
	not newest_binding_failed
	some record in trusted_bindings
	record.evaluated_at_ms == latest_binding_ms
}

# A record is about a digest some integrity attestation in the input claims to
# bind to the manifest, whether or not that claim is trusted.
claims_binding(record) if {
	some binding in integrity_bindings
	binding.predicate.artifact.digest in record.subjects
}

# The algorithm of an "<algorithm>:<hex>" digest.
digest_algorithm(digest) := substring(digest, 0, indexof(digest, ":"))

# A candidate is signed by a signer data authorises for its gate.
authorised(gate, record) if {
	some id in record.signer.ids
	id in gate_config(gate).signers
}

# When a record was made: the time a trusted witness saw it signed where the
# bundle has one, else the time its statement claims.
record_time_ms(record) := record.signed_at_ms if record.signed_at_ms != null

record_time_ms(record) := record.evaluated_at_ms if record.signed_at_ms == null

# How old a candidate's evaluation is at the evaluation time, in milliseconds.
# An approval's age counts from its signed time where the bundle has one: the
# signing is the judgement.
age_ms(record) := input.evaluation_time_ms - record_time_ms(record) if record.predicate.gate == "approval"

age_ms(record) := input.evaluation_time_ms - record.evaluated_at_ms if record.predicate.gate != "approval"

# A candidate is older than its gate's freshness window.
stale(gate, record) if age_ms(record) > max_age_seconds(gate) * 1000

# A candidate claims to have been evaluated, or was witnessed signed, after the evaluation time.
from_future(record) if record.evaluated_at_ms > input.evaluation_time_ms

from_future(record) if {
	record.signed_at_ms != null
	record.signed_at_ms > input.evaluation_time_ms
}

# A candidate claims an evaluation later than a trusted witness saw its signature.
evaluated_after_signing(record) if {
	record.signed_at_ms != null
	record.evaluated_at_ms > record.signed_at_ms
}

# Policy bundles whose judgements this decision accepts: its own, and revisions data names.
accepted_policies contains input.policy.digest

accepted_policies contains digest if some digest in rule_data("accepted_policies")

# A gate's attestations must record the policy they were judged under, unless data says the gate applies none.
policy_bound(gate) if object.get(gate_config(gate), "policy_bound", true) != false

# A candidate was judged under an accepted policy (or its gate applies none).
under_accepted_policy(gate, _) if not policy_bound(gate)

under_accepted_policy(gate, record) if {
	policy_bound(gate)
	record.predicate.policy.digest in accepted_policies
}

# The approval gate also requires the approval to be for this stage.
for_stage("approval", record) if record.predicate.stage == input.stage

for_stage(gate, _) if gate != "approval"

# A candidate is acceptable but for its age: about the artifact, authorised,
# placed consistently in time, judged under an accepted policy, and for this stage.
admissible(gate, record) if {
	about_artifact(record)
	authorised(gate, record)
	not from_future(record)
	not evaluated_after_signing(record)
	under_accepted_policy(gate, record)
	for_stage(gate, record)
}

# Acceptable evidence: admissible and fresh.
acceptable[gate][i] := record if {
	some gate, records in candidates
	some i, record in records
	admissible(gate, record)
	not stale(gate, record)
}

# The time of each gate's newest acceptable attestation (a rule, so computed once per gate).
latest_time[gate] := max({record.evaluated_at_ms | some record in records}) if some gate, records in acceptable

# The newest acceptable attestations of every gate but approval.
gate_evidence[gate][i] := record if {
	some gate, records in acceptable
	gate != "approval"
	some i, record in records
	record.evaluated_at_ms == latest_time[gate]
}

# An approval is bound to a request (see approval.rego): it names the
# request's bundle digest, id and nonce, and reviewed exactly its packet.
bound_to(record, request) if {
	record.predicate.request.digest in aliases(request)
	record.predicate.request.nonce == request.predicate.nonce
	record.predicate.request.id == request.predicate.requestId
	{digest | some digest in record.predicate.reviewed} == packet_digests(request)
}

# Acceptable approvals bound to the approval request being judged.
bound_approvals[i] := record if {
	some i, record in acceptable.approval
	bound_to(record, approval_request)
}

# Each approver's bound approvals, approving or rejecting.
approvals_by[record.signer.name][i] := record if some i, record in bound_approvals

# The time of each approver's newest bound approval.
latest_approval_time[name] := max({record.evaluated_at_ms | some record in records}) if {
	some name, records in approvals_by
}

# A gate's evidence: its newest acceptable attestations; for approvals, each
# approver's newest word on the request being judged, so a later rejection
# withdraws that approver's earlier approval, and approvals of other requests
# (another packet: a gate re-run since) do not count.
evidence[gate][i] := record if {
	some gate, records in gate_evidence
	some i, record in records
}

evidence.approval[i] := record if {
	some i, record in bound_approvals
	record.evaluated_at_ms == latest_approval_time[record.signer.name]
}

# Every word an approver gave on any request for this artifact and stage, old
# ones included: a rejection stands until its signer's later word replaces
# it, neither lapsing with the approval window, nor shed by judging another
# (back-dated) request, nor by re-running a gate so that a new request (or a
# break-glass override) is judged instead.
approval_words[i] := record if {
	some i, record in candidates.approval
	admissible("approval", record)
	some request in approval_requests
	bound_to(record, request)
}

# The time of each approver's newest word on this evidence.
latest_word_time[record.signer.name] := max({other.evaluated_at_ms |
	some other in approval_words
	other.signer.name == record.signer.name
}) if {
	some record in approval_words
}

# Each approver's newest word on this evidence, approving or rejecting.
newest_words[i] := record if {
	some i, record in approval_words
	record.evaluated_at_ms == latest_word_time[record.signer.name]
}

# Signer names of each gate's evidence.
evidence_signers[gate] contains record.signer.name if {
	some gate, records in evidence
	some record in records
}

# Who signed the model, as the provenance evidence proved it (absent when it names nobody).
authors contains record.author if {
	some record in evidence.provenance
	record.author != null
}

# Two signers are the same identity: the same name, or a policy signer id in common.
same_identity(a, b) if a.name == b.name

same_identity(a, b) if {
	some id in a.ids
	id in b.ids
}
