# METADATA
# title: Freshness
# description: >-
#   Evidence must be recent: no older than its gate's freshness window, not
#   dated after the evaluation time, and not claiming an evaluation later than
#   a trusted witness saw it signed.
package release.freshness

import data.lib

# METADATA
# title: Stale attestation
# description: A required gate's only evidence is older than the gate's freshness window.
# custom:
#   short_name: attestation_stale
#   failure_msg: "%s: attestation %s is %s seconds old; the limit is %s"
deny contains result if {
	some gate in lib.required_gates
	not lib.acceptable[gate]
	some record in lib.candidates[gate]
	lib.stale(gate, record)
	params := [gate, record.id, lib.format_number(lib.age_ms(record) / 1000), lib.format_number(lib.max_age_seconds(gate))]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}

# METADATA
# title: Attestation dated after the evaluation time
# description: >-
#   A required gate's evidence claims an evaluation, or carries a verified
#   signing time, later than the evaluation time.
# custom:
#   short_name: attestation_from_future
#   failure_msg: "%s: attestation %s was evaluated at %s, after the evaluation time %s"
deny contains result if {
	some gate in lib.required_gates
	not lib.acceptable[gate]
	some record in lib.candidates[gate]
	lib.from_future(record)
	params := [gate, record.id, record.predicate.evaluatedAt, input.evaluation_time]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}

# METADATA
# title: Attestation evaluated after it was signed
# description: >-
#   A required gate's evidence claims an evaluation time later than the time a
#   verified timestamp (RFC 3161 or a transparency log) says it was signed by.
# custom:
#   short_name: attestation_evaluated_after_signing
#   failure_msg: "%s: attestation %s claims evaluation at %s, after its verified signing time"
deny contains result if {
	some gate in lib.required_gates
	not lib.acceptable[gate]
	some record in lib.candidates[gate]
	lib.evaluated_after_signing(record)
	params := [gate, record.id, record.predicate.evaluatedAt]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}
