# METADATA
# title: Independence
# description: >-
#   The chain is only as strong as its signers are separate: one signer counts
#   for at most one gate, and the model's author signs no gate (approvals
#   included; the approval rules count approvers).
package release.independence

import data.lib

# METADATA
# title: One signer for two gates
# description: The same signer identity signed the evidence of two different gates.
# custom:
#   short_name: signer_reused_across_gates
#   failure_msg: "%s signed the evidence of both %s and %s; a signer counts for at most one gate"
deny contains result if {
	some gate_a in lib.required_gates
	some gate_b in lib.required_gates
	gate_a < gate_b
	some name in lib.evidence_signers[gate_a]
	name in lib.evidence_signers[gate_b]
	result := lib.result_helper_with_gate(rego.metadata.chain(), [name, gate_a, gate_b], gate_b)
}

# METADATA
# title: Model author signed a gate
# description: >-
#   The identity that signed the model (recorded by the provenance gate) also
#   signed the evidence of a gate, approvals included: nobody vouches for
#   their own model.
# custom:
#   short_name: model_author_signed_gate
#   failure_msg: "%s: %s signed the model and cannot also sign its %s evidence"
deny contains result if {
	some author in lib.authors
	some gate in lib.required_gates
	some record in lib.evidence[gate]
	lib.same_identity(author, record.signer)
	result := lib.result_helper_with_gate(rego.metadata.chain(), [gate, author.name, gate], gate)
}

# METADATA
# title: Model author unknown
# description: >-
#   The provenance evidence names no model signer, so who authored the model,
#   and whether they signed another gate, cannot be established.
# custom:
#   short_name: model_author_unknown
#   failure_msg: >-
#     provenance: the evidence names no model signer; the model's author
#     cannot be checked against the other gates' signers
deny contains result if {
	"provenance" in lib.required_gates
	some record in lib.evidence.provenance
	record.author == null
	result := lib.result_helper_with_gate(rego.metadata.chain(), [], "provenance")
}

# METADATA
# title: Approval without provenance
# description: >-
#   The stage requires human approval but not provenance, so nothing shows
#   that the approvers are not the model's author.
# custom:
#   short_name: approval_without_provenance
#   failure_msg: >-
#     approval: stage %s requires approval but not provenance, so approvers
#     cannot be checked against the model's author
deny contains result if {
	"approval" in lib.required_gates
	not "provenance" in lib.required_gates
	result := lib.result_helper_with_gate(rego.metadata.chain(), [input.stage], "approval")
}
