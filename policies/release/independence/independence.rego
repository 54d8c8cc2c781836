# METADATA
# title: Independence
# description: >-
#   The chain is only as strong as its signers are separate: one signer counts
#   for at most one gate, k approvals come from k distinct identities, and the
#   model's author does not approve it.
package release.independence

import data.lib

# Distinct identities that approved this stage.
approvers contains record.signer.name if some record in lib.evidence.approval

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
	some record_a in lib.evidence[gate_a]
	some record_b in lib.evidence[gate_b]
	record_a.signer.name == record_b.signer.name
	result := lib.result_helper_with_gate(rego.metadata.chain(), [record_a.signer.name, gate_a, gate_b], gate_b)
}

# METADATA
# title: Not enough distinct approvals
# description: >-
#   The stage requires k approvals from k distinct identities and has fewer
#   acceptable ones (for this stage, approving, authorised and fresh).
# custom:
#   short_name: approvals_insufficient
#   failure_msg: "approval: %s distinct approver(s) for stage %s, %s required"
deny contains result if {
	"approval" in lib.required_gates
	lib.candidates.approval
	required := object.get(lib.stage, "approvals", 1)
	count(approvers) < required
	params := [lib.format_number(count(approvers)), input.stage, lib.format_number(required)]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "approval")
}

# METADATA
# title: Model author approved their own model
# description: The identity that signed the model (recorded by the provenance gate) also approved it.
# custom:
#   short_name: author_approved_own_model
#   failure_msg: "approval: %s signed the model and cannot also approve it"
deny contains result if {
	some provenance in lib.evidence.provenance
	author := lib.identity_name(provenance.predicate.modelSignature.signer)
	author in approvers
	result := lib.result_helper_with_gate(rego.metadata.chain(), [author], "approval")
}
