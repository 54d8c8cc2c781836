# METADATA
# title: Attestation subject
# description: Evidence for a gate must be about the artifact being decided.
package release.subject

import data.lib

# METADATA
# title: Attestation about another artifact
# description: >-
#   A required gate has no acceptable evidence and its attestation names other
#   artifacts as its subject.
# custom:
#   short_name: subject_mismatch
#   failure_msg: "%s: attestation %s is about %s, not %s"
deny contains result if {
	some gate in lib.required_gates
	not lib.acceptable[gate]
	some record in lib.candidates[gate]
	not lib.about_artifact(record)
	not lib.claims_binding(record)
	params := [gate, record.id, concat(", ", record.subjects), input.artifact]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}

# METADATA
# title: Evidence about a model digest not bound to the manifest
# description: >-
#   A required gate has no acceptable evidence and its attestation is about a
#   model-signing directory digest that an integrity attestation claims to
#   bind to the OCI manifest being decided, but no passing, fresh integrity
#   attestation by an authorised signer binds it (the newest one failed, or
#   its signer is not an integrity signer): evidence about the directory
#   counts for the manifest only through such a binding.
# custom:
#   short_name: subject_unbound
#   failure_msg: "%s: attestation %s is about %s, which no trusted integrity attestation binds to %s"
deny contains result if {
	some gate in lib.required_gates
	not lib.acceptable[gate]
	some record in lib.candidates[gate]
	not lib.about_artifact(record)
	lib.claims_binding(record)
	params := [gate, record.id, concat(", ", record.subjects), input.artifact]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}
