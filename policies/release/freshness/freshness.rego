# METADATA
# title: Freshness
# description: >-
#   Evidence must be recent: no older than its gate's freshness window, and
#   not dated after the evaluation time.
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
	age := input.evaluation_time_s - record.evaluated_at_s
	params := [gate, record.id, lib.format_number(age), lib.format_number(lib.max_age_seconds(gate))]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}

# METADATA
# title: Attestation dated after the evaluation time
# description: A required gate's evidence claims a time later than the evaluation time.
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
