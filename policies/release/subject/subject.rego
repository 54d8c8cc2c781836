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
	params := [gate, record.id, concat(", ", record.subjects), input.artifact]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}
