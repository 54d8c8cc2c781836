# METADATA
# title: Human approval
# description: >-
#   A stage that requires approval is judged against one signed approval
#   request covering exactly the evidence this decision uses: its risk tier is
#   re-derived, its deep-review draw re-checked, and k eligible, independent
#   approvers must approve it, with a reject from any of them a veto. A
#   break-glass override stands in for the approvals, never for a veto.
package release.approval

import data.lib

# METADATA
# title: No approval policy
# description: The stage requires approval, but policy data has no approval section, so nobody can be judged eligible.
# custom:
#   short_name: approval_policy_missing
#   failure_msg: "approval: stage %s requires approval but policy data has no approval section"
deny contains result if {
	judged
	lib.approval_data == {}
	result := lib.result_helper_with_gate(rego.metadata.chain(), [input.stage], "approval")
}

# METADATA
# title: No approval request covers the evidence
# description: >-
#   Approvals count only against a signed request whose packet is exactly the
#   evidence this decision uses; a gate re-run after the request (or none
#   asked for) leaves nothing to approve.
# custom:
#   short_name: approval_request_missing
#   failure_msg: "approval: %s"
deny contains result if {
	judged
	not lib.approval_request
	result := lib.result_helper_with_gate(rego.metadata.chain(), [missing_request_problem], "approval")
}

# METADATA
# title: Approval request understates the risk
# description: >-
#   The request records a lower risk tier than its signed inputs and policy
#   data give, so it asked for fewer or other approvers than it should have.
# custom:
#   short_name: approval_risk_understated
#   failure_msg: "approval: request %s records risk tier %s; the evidence and policy data give %s"
deny contains result if {
	judged
	recorded := lib.approval_request.predicate.risk.tier
	object.get(lib.tier_rank, recorded, -1) < lib.tier_rank[lib.computed_tier]
	params := [lib.approval_request.predicate.requestId, recorded, lib.computed_tier]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "approval")
}

# METADATA
# title: No approval rules for the risk tier
# description: Policy data sets no approvals, roles and review time for the request's risk tier.
# custom:
#   short_name: approval_tier_unconfigured
#   failure_msg: "approval: policy data has no tier %s (approvals, roles, review_seconds)"
deny contains result if {
	judged
	lib.approval_request
	not lib.tier_config.review_seconds
	result := lib.result_helper_with_gate(rego.metadata.chain(), [lib.effective_tier], "approval")
}

# METADATA
# title: Deep-review draw does not match
# description: >-
#   The deep-review draw is derived from the request's nonce and the rate in
#   policy data; a request whose recorded draw, outcome or sampled items
#   differ from the derivation steered it.
# custom:
#   short_name: approval_draw_mismatch
#   failure_msg: "approval: request %s records a deep-review draw that its nonce and policy data do not give (%s)"
deny contains result if {
	judged
	some problem in draw_problems
	params := [lib.approval_request.predicate.requestId, problem]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "approval")
}

# METADATA
# title: Deep review incomplete
# description: >-
#   The request drew a deep review, and an approval lacks a judgment of every
#   sampled item, so it does not show the items were looked at.
# custom:
#   short_name: approval_deep_review_incomplete
#   failure_msg: "approval: %s approved without judging every deep-review item (missing: %s)"
deny contains result if {
	judged
	deep_review_due
	some record in lib.evidence.approval
	record.predicate.decision == "approve"
	judged_items := {finding.item | some finding in object.get(record.predicate, "findings", [])}
	missing := expected_items - judged_items
	count(missing) > 0
	params := [record.signer.name, concat(", ", sort([m | some m in missing]))]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "approval")
}

# METADATA
# title: Not enough eligible approvals
# description: >-
#   The request's tier requires k approvals from k distinct identities, with
#   a number from each role; after the deadline, escalation roles stand in.
#   A stage that requires the approval gate needs at least one, and the high
#   tier at least two.
# custom:
#   short_name: approvals_insufficient
#   failure_msg: "approval: %s distinct eligible approver(s) for stage %s at risk tier %s, %s required%s"
deny contains result if {
	judged
	lib.approval_request
	lib.tier_config.review_seconds
	count(shortfalls) > 0
	params := [
		lib.format_number(count(approvers)), input.stage, lib.effective_tier,
		lib.format_number(lib.required_approvals), concat("", sort([clause | some clause in shortfalls])),
	]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "approval")
}

# METADATA
# title: Promotion rejected by an approver
# description: >-
#   An approver's newest word on any request for this artifact and stage
#   (however old, whatever evidence it covered) is to reject it; a reject is
#   a veto until its signer's later word replaces it, and neither a gate
#   re-run nor break-glass lifts it.
# custom:
#   short_name: approval_rejected
#   failure_msg: "approval: %s rejected promotion to %s"
deny contains result if {
	"approval" in lib.required_gates
	some name in rejecters
	result := lib.result_helper_with_gate(rego.metadata.chain(), [name, input.stage], "approval")
}

# METADATA
# title: The requester approved
# description: The identity that signed the approval request also decided it; nobody approves their own request.
# custom:
#   short_name: approval_by_requester
#   failure_msg: "approval: %s signed the approval request and cannot also decide it"
deny contains result if {
	"approval" in lib.required_gates
	some record in lib.evidence.approval
	lib.same_identity(record.signer, lib.approval_request.signer)
	result := lib.result_helper_with_gate(rego.metadata.chain(), [record.signer.name], "approval")
}

# Whether the approval rules apply: the stage requires approval and no break-glass override stands in.
judged if {
	"approval" in lib.required_gates
	not lib.break_glass_active
}

# Why no request is judged: requests for other evidence, or none from a requester.
default missing_request_problem := "no approval request for this stage from a requester policy data names"

missing_request_problem := concat("", [
	sprintf("no approval request for stage %s covers the current evidence; ", [input.stage]),
	"the request(s) on record cover other evidence (a gate was re-run since): request approval again",
]) if {
	some _ in lib.approval_requests
}

# Distinct identities whose newest eligible word on the request approves.
approvers contains record.signer.name if {
	some record in lib.evidence.approval
	lib.eligible(record)
	record.predicate.decision == "approve"
	not rejecters[record.signer.name]
}

# Distinct identities, members of an approval role, whose newest word on
# any request for this artifact and stage (however old) rejects.
rejecters contains record.signer.name if {
	some record in lib.newest_words
	lib.may_veto(record)
	record.predicate.decision != "approve"
}

# Approvers counted for each required role (each approver for one role only).
role_count[role] := count({record.signer.name |
	some record in lib.evidence.approval
	record.signer.name in approvers
	lib.counted_role(record) == role
}) if {
	some role, _ in lib.required_roles
}

# Approvers who stand in for a role because the request is overdue.
escalated_approvers contains record.signer.name if {
	some record in lib.evidence.approval
	record.signer.name in approvers
	lib.escalated(record)
}

# How many approvals each required role still lacks.
role_shortfall[role] := need - role_count[role] if {
	some role, need in lib.required_roles
	role_count[role] < need
}

# What the approvals lack, each as a clause of the message.
shortfalls contains "" if count(approvers) < lib.required_approvals

shortfalls contains sprintf("; role %s lacks %s", [role, lib.format_number(missing)]) if {
	sum([n | some n in role_shortfall]) > count(escalated_approvers)
	some role, missing in role_shortfall
}

# The request's deep review as recorded.
recorded_draw := lib.approval_request.predicate.deepReview

# The draw TypeScript derived from the request's nonce.
derived_draw := lib.approval_request.expected_draw

# The rate data sets (0 when it sets none).
deep_review_rate := object.get(object.get(lib.approval_data, "deep_review", {}), "rate", 0)

# Whether the derived draw selects a deep review.
deep_review_due if derived_draw.draw < deep_review_rate * derived_draw.scale

# The items a deep review must judge: the first of the derived ranking.
expected_items contains id if {
	deep_review_due
	some i, id in derived_draw.ranking
	i < object.get(lib.approval_data.deep_review, "items", 5)
}

# How the recorded draw differs from the derived one.
draw_problems contains "draw" if recorded_draw.draw != derived_draw.draw

draw_problems contains "selection" if recorded_draw.selected != deep_review_due

draw_problems contains "selection" if {
	not deep_review_due
	recorded_draw.selected != false
}

draw_problems contains "items" if {x | some x in recorded_draw.items} != expected_items
