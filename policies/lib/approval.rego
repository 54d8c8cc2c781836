# Approval workflow helpers
#
# The approval gate is judged against one approval request: a signed
# statement of what was put before the approvers (the packet: every other
# required gate's evidence, by digest), the risk tier, who must approve and
# by when, and the deep-review draw. Everything a request records that the
# decision depends on is re-derived here from data and verified records, so
# a requester can raise the bar but never lower it.
package lib

# Predicate types of the approval workflow's statements that are not gate attestations.
request_type := "https://gatehouse.dev/attestations/approval-request/v1"

break_glass_type := "https://gatehouse.dev/attestations/break-glass/v1"

# data.gatehouse.approval, or nothing (every rule that needs it then denies).
approval_data := object.get(data.gatehouse, "approval", {})

# Members of an approval role (signer ids).
role_members(role) := object.get(object.get(approval_data, "roles", {}), role, [])

# A record's signer belongs to an approval role.
in_role(record, role) if {
	some id in record.signer.ids
	id in role_members(role)
}

tier_names := ["low", "medium", "high"]

tier_rank := {"low": 0, "medium": 1, "high": 2}

# Verified statements of the workflow's types about this artifact and for
# this stage, placed consistently in time, keyed by predicate type.
workflow_statements[record.predicate_type][i] := record if {
	some i, record in input.attestations
	record.verified
	record.predicate_type in {request_type, break_glass_type}
	about_artifact(record)
	record.predicate.stage == input.stage
	not from_future(record)
	not evaluated_after_signing(record)
}

# Approval requests signed by a requester data names.
approval_requests[i] := record if {
	some i, record in workflow_statements[request_type]
	some id in record.signer.ids
	id in object.get(approval_data, "requesters", [])
}

# What approvals must cover: the evidence of every gate the stage requires that approvers review.
reviewable_evidence contains record.id if {
	some gate in reviewed_gates
	some record in gate_evidence[gate]
}

# Every bundle digest a record goes by: its id, and those of re-serialised copies of it.
aliases(record) := object.get(record, "aliases", [record.id])

# The id of the evidence record a bundle digest names.
evidence_named(digest) := record.id if {
	some gate in reviewed_gates
	some record in gate_evidence[gate]
	digest in aliases(record)
}

# The attestation digests a request's packet puts before the approvers.
packet_attestations(request) := {item.attestation | some item in request.predicate.packet}

# Every digest a request's packet names: attestations and the reports and evidence files they name.
packet_digests(request) := packet_attestations(request) | {report.digest |
	some item in request.predicate.packet
	some report in item.reports
}

# When the newest evidence of the packet was judged: no request can be older.
newest_evidence_ms := max({record.evaluated_at_ms |
	some gate in reviewed_gates
	some record in gate_evidence[gate]
})

# Requests whose packet is exactly the evidence this decision uses, made no
# earlier than that evidence (a back-dated request would be overdue, and its
# escalation roles eligible, before anyone could review it).
current_requests[i] := record if {
	some i, record in faithful_requests
	record_time_ms(record) >= newest_evidence_ms
}

# Requests whose packet is exactly the evidence this decision uses (one item
# per attestation, each named by any of its bundle digests), each item saying
# what its attestation records: its gate, its verdict and every report and
# evidence file it names. Approvers review the packet; a packet that
# misstates the evidence is no request.
faithful_requests[i] := request if {
	some i, request in approval_requests
	count(request.predicate.packet) == count(reviewable_evidence)
	{evidence_named(item.attestation) | some item in request.predicate.packet} == reviewable_evidence
	every item in request.predicate.packet {
		some gate in reviewed_gates
		some record in gate_evidence[gate]
		item.attestation in aliases(record)
		item.gate == gate
		item.verdict == record.predicate.verdict
		{report | some report in item.reports} == {reference | some reference in object.get(record.predicate, "evidence", [])}
	}
}

# The request judged: the earliest current one (by record time, then id), so
# a later request for the same evidence cannot replace one whose approvers
# rejected it or that drew a deep review.
approval_request := record if {
	first := min({record_time_ms(r) | some r in current_requests})
	id := min({r.id | some r in current_requests; record_time_ms(r) == first})
	some record in current_requests
	record.id == id
}

# Risk: each factor's tier, from data's bounds. A size or share at or past a
# tier's bound reaches that tier; a factor data gives no bounds for is high.
numeric_tier(factor, value) := "high" if not value < approval_data.risk[factor].high

else := "medium" if not value < approval_data.risk[factor].medium

else := "low"

# The stage's own risk facts (data), which a request can make worse but not better.
stage_risk := object.get(object.get(approval_data, "stages", {}), input.stage, {})

# The request's own statement of one factor, or undefined.
declared(factor) := value if {
	some f in approval_request.predicate.risk.factors
	f.name == factor
	value := f.value
}

# The model's size as the integrity evidence measured it; unknown sizes are the high tier.
model_bytes := max({record.predicate.artifact.bytes | some record in evidence.integrity})

# The traffic share a request declares, or none.
default declared_share := 0

declared_share := declared("traffic_share")

risk_tiers contains numeric_tier("model_bytes", model_bytes)

risk_tiers contains "high" if not model_bytes

risk_tiers contains numeric_tier("traffic_share", share) if {
	share := max({object.get(stage_risk, "traffic_share", 1), declared_share})
}

risk_tiers contains "high" if object.get(stage_risk, "reversible", false) == false

risk_tiers contains "high" if declared("reversible") == false

risk_tiers contains "high" if object.get(stage_risk, "sensitive_use", false) == true

risk_tiers contains "high" if declared("sensitive_use") == true

# The tier the evidence and data put the request at.
computed_tier := tier_names[max({tier_rank[t] | some t in risk_tiers})]

# The tier judged: the computed one, or the request's own when it is higher.
effective_tier := tier_names[rank] if {
	recorded := object.get(tier_rank, approval_request.predicate.risk.tier, 2)
	rank := max({tier_rank[computed_tier], recorded})
}

# What data requires at the effective tier; undefined when data has no such tier.
tier_config := approval_data.tiers[effective_tier]

# Approvals required: the tier's, the stage's, at least one, and at least two at the high tier.
required_approvals := max({
	1,
	object.get(stage, "approvals", 1),
	object.get(tier_config, "approvals", 1),
	high_tier_minimum,
})

default high_tier_minimum := 1

high_tier_minimum := 2 if effective_tier == "high"

# Roles the tier requires, each with how many of its members must approve.
required_roles := object.get(tier_config, "roles", {})

# When the request becomes overdue: its record time plus the tier's review time.
request_deadline_ms := record_time_ms(approval_request) + (tier_config.review_seconds * 1000)

# The escalation roles: eligible for an approval signed after the deadline.
escalation_roles := object.get(approval_data, "escalation_roles", [])

# The required role an approval counts for: the first, in name order, its signer is in.
counted_role(record) := min({role | some role, _ in required_roles; in_role(record, role)})

# An approval by an escalation role member after the deadline stands in for any role.
escalated(record) if {
	not counted_role(record)
	record_time_ms(record) > request_deadline_ms
	some role in escalation_roles
	in_role(record, role)
}

# A signer whose rejection is a veto: a member of a role any tier requires or
# of an escalation role (whichever request it was given on).
may_veto(record) if {
	some config in object.get(approval_data, "tiers", {})
	some role, _ in config.roles
	in_role(record, role)
}

may_veto(record) if {
	some role in escalation_roles
	in_role(record, role)
}

# An approval whose signer may decide this request.
eligible(record) if counted_role(record)

eligible(record) if escalated(record)

# Break-glass: an emergency override, signed by a member of a break-glass role
# who is not the model's author, for this artifact and stage, within its window.
break_glass[i] := record if {
	some i, record in workflow_statements[break_glass_type]
	not authored(record)
	settings := object.get(approval_data, "break_glass", {})
	input.evaluation_time_ms - record_time_ms(record) <= object.get(settings, "max_age_seconds", 14400) * 1000
	some role in object.get(settings, "roles", [])
	in_role(record, role)
}

# A record signed by the model's author.
authored(record) if {
	some author in authors
	same_identity(author, record.signer)
}

# A break-glass override stands in for the approval gate (never for a rejection or any other gate).
break_glass_active if some _ in break_glass

# A required gate a break-glass override stands in for: only approval.
stood_in("approval") if break_glass_active
