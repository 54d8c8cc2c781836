# METADATA
# title: Required gates
# description: >-
#   The stage exists, and every gate it requires has acceptable evidence.
package release.required_gates

import data.lib

# METADATA
# title: Unknown stage
# description: The stage named in the request is not configured in policy data.
# custom:
#   short_name: unknown_stage
#   failure_msg: "stage \"%s\" is not configured; known stages are %s"
deny contains result if {
	not lib.stage
	known := concat(", ", sort([name | some name, _ in data.gatehouse.stages]))
	result := lib.result_helper(rego.metadata.chain(), [input.stage, known])
}

# METADATA
# title: Required gate without acceptable evidence
# description: >-
#   A required gate has no acceptable evidence: none that verified, is about
#   this artifact, is signed by an authorised signer, is fresh and placed
#   consistently in time, was judged under an accepted policy and is for this
#   stage. This rule stands on its own: whatever else the data says or omits,
#   a required gate without evidence denies. Other rules say why. Only a
#   break-glass override stands in, and only for the approval gate.
# custom:
#   short_name: required_gate_unsatisfied
#   failure_msg: "%s: no acceptable evidence"
deny contains result if {
	some gate in lib.required_gates
	not lib.evidence[gate]
	not lib.stood_in(gate)
	result := lib.result_helper_with_gate(rego.metadata.chain(), [gate], gate)
}

# METADATA
# title: Gate facts missing
# description: >-
#   A required gate's configuration does not say whether the gate compares
#   with the deployed model, a fact gatehouse writes into data when it builds
#   the bundle. Without it the baseline, dataset and threshold checks keyed on
#   the gate's facts would silently not apply, so the stage is denied.
# custom:
#   short_name: gate_facts_missing
#   failure_msg: "%s: data lacks the gate's facts (compares_with_deployed); build with gatehouse policy build"
deny contains result if {
	some gate in lib.required_gates
	not is_boolean(object.get(object.get(data.gatehouse.gates, gate, {}), "compares_with_deployed", null))
	result := lib.result_helper_with_gate(rego.metadata.chain(), [gate], gate)
}

# METADATA
# title: Required gate missing
# description: A required gate has no attestation at all, verified or not.
# custom:
#   short_name: required_gate_missing
#   failure_msg: "%s: no verified attestation"
deny contains result if {
	some gate in lib.required_gates
	not lib.candidates[gate]
	not lib.unverified[gate]
	not lib.stood_in(gate)
	result := lib.result_helper_with_gate(rego.metadata.chain(), [gate], gate)
}

# METADATA
# title: Attestation failed verification
# description: >-
#   A bundle that claims to attest a required gate did not verify; it is
#   evidence of nothing.
# custom:
#   short_name: attestation_unverified
#   failure_msg: "%s: bundle %s failed verification: %s"
deny contains result if {
	some gate in lib.required_gates
	not lib.acceptable[gate]
	some record in lib.unverified[gate]
	result := lib.result_helper_with_gate(rego.metadata.chain(), [gate, record.id, record.reason], gate)
}
