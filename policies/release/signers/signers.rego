# METADATA
# title: Authorised signers
# description: >-
#   Each gate's attestation must be signed by a signer policy data authorises
#   for that gate, and the model itself by a signer data authorises to sign
#   models.
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

# METADATA
# title: Model signed by someone not authorised to sign models
# description: >-
#   The provenance evidence shows the model was signed by an identity that
#   policy data does not list in model_signers (whoever ran the provenance
#   gate chose which signers to trust; the policy decides).
# custom:
#   short_name: model_signer_not_authorised
#   failure_msg: "provenance: the model is signed by %s, who is not authorised to sign models (authorised: %s)"
deny contains result if {
	some author in lib.authors
	not model_signer(author)
	authorised := concat(", ", lib.rule_data("model_signers"))
	result := lib.result_helper_with_gate(rego.metadata.chain(), [author.name, authorised], "provenance")
}

# An identity data lists in model_signers.
model_signer(author) if {
	some id in author.ids
	id in lib.rule_data("model_signers")
}
