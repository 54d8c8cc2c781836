# Attestation helpers
#
# Views over the verified attestation records TypeScript put in the input.
# Only records with verified true are evidence; the others are reported.
package lib

# Verified records whose predicate type belongs to a configured gate, keyed by record id.
candidates[gate] contains record if {
	some record in input.attestations
	record.verified
	gate := gate_of_type(record.predicate_type)
}

# Bundles that failed verification, with the gate they claim (untrusted, for reporting only).
unverified[gate] contains record if {
	some record in input.attestations
	not record.verified
	gate := gate_of_type(record.claimed_predicate_type)
}

# A candidate is about the artifact being decided: a subject names it by its
# digest (record.subjects lists every "<algorithm>:<hex>" the statement
# carries), in an algorithm policy data accepts for naming artifacts.
about_artifact(record) if {
	input.artifact in record.subjects
	digest_algorithm(input.artifact) in rule_data("artifact_digest_algorithms")
}

# The algorithm of an "<algorithm>:<hex>" digest.
digest_algorithm(digest) := substring(digest, 0, indexof(digest, ":"))

# A candidate is signed by a signer data authorises for its gate.
authorised(gate, record) if {
	some id in record.signer.ids
	id in gate_config(gate).signers
}

# A candidate is older than its gate's freshness window.
stale(gate, record) if input.evaluation_time_s - record.evaluated_at_s > max_age_seconds(gate)

# A candidate claims to have been evaluated after the evaluation time.
from_future(record) if record.evaluated_at_s > input.evaluation_time_s

# The approval gate also requires the approval to be for this stage and to approve.
approves(record) if {
	record.predicate.decision == "approve"
	record.predicate.stage == input.stage
}

for_stage("approval", record) if approves(record)

for_stage(gate, _) if gate != "approval"

# Acceptable evidence: about the artifact, authorised, fresh, not from the future.
acceptable[gate] contains record if {
	some gate, records in candidates
	some record in records
	about_artifact(record)
	authorised(gate, record)
	not stale(gate, record)
	not from_future(record)
	for_stage(gate, record)
}

# The time of a gate's newest acceptable attestation.
latest_time(gate) := max({record.evaluated_at_s | some record in acceptable[gate]})

# A gate's evidence: its newest acceptable attestations (all approvals, for the approval gate).
evidence[gate] contains record if {
	some gate, records in acceptable
	gate != "approval"
	some record in records
	record.evaluated_at_s == latest_time(gate)
}

evidence.approval contains record if some record in acceptable.approval

# The canonical name of a signer identity recorded in a predicate.
identity_name(identity) := sprintf("key:%s", [identity.keyId]) if identity.kind == "key"

identity_name(identity) := sprintf("keyless:%s|%s", [identity.issuer, identity.subject]) if identity.kind == "keyless"
