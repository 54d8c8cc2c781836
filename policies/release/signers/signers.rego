# METADATA
# title: Authorised signers
# description: Each gate's attestation must be signed by a signer policy data authorises for that gate.
package release.signers

import data.lib

# METADATA
# title: Signer not authorised for the gate
# description: >-
#   A required gate has no acceptable evidence and its attestation is signed by
#   someone data does not list for that gate.
# custom:
#   short_name: signer_not_authorised
#   failure_msg: "%s: attestation %s is signed by %s, who is not authorised for this gate (authorised: %s)"
deny contains result if {
	some gate in lib.required_gates
	not lib.acceptable[gate]
	some record in lib.candidates[gate]
	not lib.authorised(gate, record)
	params := [gate, record.id, record.signer.name, concat(", ", lib.gate_config(gate).signers)]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}
