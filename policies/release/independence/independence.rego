# METADATA
# title: Independence
# description: >-
#   The chain is only as strong as its signers are separate: one signer counts
#   for at most one gate, k approvals come from k distinct identities whose
#   newest word is to approve, and the model's author signs no gate.
package release.independence

import data.lib

# Distinct identities whose newest acceptable approval for this stage approves.
approvers contains record.signer.name if {
	some record in lib.evidence.approval
	record.predicate.decision == "approve"
	not rejecters[record.signer.name]
}

# Distinct identities whose newest acceptable approval for this stage rejects.
rejecters contains record.signer.name if {
	some record in lib.evidence.approval
	record.predicate.decision != "approve"
}

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
# title: Not enough distinct approvals
# description: >-
#   The stage requires k approvals from k distinct identities and has fewer
#   whose newest acceptable word (for this stage, authorised, fresh) is to
#   approve. A stage that requires the approval gate needs at least one.
# custom:
#   short_name: approvals_insufficient
#   failure_msg: "approval: %s distinct approver(s) for stage %s, %s required"
deny contains result if {
	"approval" in lib.required_gates
	required := max([1, object.get(lib.stage, "approvals", 1)])
	count(approvers) < required
	params := [lib.format_number(count(approvers)), input.stage, lib.format_number(required)]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "approval")
}

# METADATA
# title: Promotion rejected by an approver
# description: An authorised approver's newest word for this stage is to reject it.
# custom:
#   short_name: approval_rejected
#   failure_msg: "approval: %s rejected promotion to %s"
deny contains result if {
	"approval" in lib.required_gates
	some name in rejecters
	result := lib.result_helper_with_gate(rego.metadata.chain(), [name, input.stage], "approval")
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
	same_identity(author, record.signer)
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

# Two signers are the same identity: the same name, or a policy signer id in common.
same_identity(a, b) if a.name == b.name

same_identity(a, b) if {
	some id in a.ids
	id in b.ids
}
