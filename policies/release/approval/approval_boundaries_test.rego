package release.approval_test

import data.lib.fixtures_test as f
import data.release.approval

# The approval rules at their boundaries: which requests count, risk tiers at
# their bounds, roles, deadlines, deep review and break-glass, each shown to
# fail on the one-line mutant of the rule it pins (npm run mutation:rego).

# The denials under this policy data (whole, not a patch of the fixture's).
denials_under(attestations, gatehouse) := ds if {
	# regal ignore:with-outside-test-context
	ds := approval.deny with input as f.request("production", attestations)
		with data.gatehouse as gatehouse
}

# Policy data patch letting these ids sign approvals.
approval_signers(ids) := {"gates": object.union(
	f.gatehouse_data.gates,
	{"approval": object.union(f.gatehouse_data.gates.approval, {"signers": ids})},
)}

# Policy data patch giving every tier these rules and the approval roles these members.
tier_rules(rules, roles) := approval_patched({
	"tiers": {tier: rules | some tier in f.tier_names},
	"roles": object.union(f.approval_data.roles, roles),
})

# The message when no request for this stage comes from a requester policy data names.
no_request_from_a_requester := "approval: no approval request for this stage from a requester policy data names"

test_a_request_for_another_artifact_or_stage_or_misplaced_in_time_is_no_request if {
	every change in [
		{"subjects": [f.other_artifact]},
		{"predicate": object.union(f.request_record.predicate, {"stage": "staging"})},
		{"evaluated_at_ms": f.now_ms + 60000},
		# Claimed evaluated after a witness saw it signed.
		{"signed_at_ms": f.now_ms - 300000, "evaluated_at_ms": f.now_ms - 200000},
	] {
		request := object.union(f.request_record, change)
		messages(denials(f.with_requests([request]))) == {no_request_from_a_requester}
	}
}

test_a_request_made_when_its_newest_evidence_was_judged_is_current if {
	# Exactly as old as the newest gate evidence (judged ten minutes ago).
	simultaneous := object.union(f.request_record, {"evaluated_at_ms": f.now_ms - 600000})
	count(denials(f.with_requests([simultaneous]))) == 0
}

test_a_packet_naming_one_attestation_twice_is_no_request if {
	twice := f.request_patched({"packet": array.concat(f.packet, [f.packet[0]])})
	codes(denials(f.with_requests([twice]))) == {"approval_request_missing"}
}

test_of_simultaneous_requests_the_smaller_id_is_judged if {
	# Made with the fixture's request, under a larger id: approvals of the fixture's count.
	twin := object.union(
		f.request_patched({"requestId": "99999999-2222-4333-8444-555555555555"}),
		{"id": "sha256:request-twin"},
	)
	count(denials(array.concat(f.chain, [twin]))) == 0
}

test_a_size_at_a_tiers_bound_reaches_that_tier if {
	every bound in [{"bytes": 1000000, "tier": "medium"}, {"bytes": 1000000000, "tier": "high"}] {
		sized := f.predicate_patched("integrity", {"artifact": {"bytes": bound.bytes}})
		messages(denials(f.rebind(sized, f.packet_ids))) == {sprintf(
			"approval: request %s records risk tier low; the evidence and policy data give %s",
			[f.request_id, bound.tier],
		)}
	}
}

test_the_largest_size_the_integrity_evidence_measured_is_judged if {
	# Two integrity attestations judged at once: the larger size is high risk.
	big := object.union(f.record("integrity", "integrity-gate"), {"id": "sha256:integrity-big"})
	measured := object.union(big, {"predicate": object.union(big.predicate, {"artifact": {"bytes": 5000000000}})})
	attestations := array.concat(f.chain, [measured])
	ids := array.concat(f.packet_ids, [measured.id])
	messages(denials(f.rebind(attestations, ids))) == {concat("", [
		"approval: request 11111111-2222-4333-8444-555555555555 records risk tier low; ",
		"the evidence and policy data give high",
	])}
}

test_stage_facts_data_omits_are_taken_at_their_worst if {
	# No traffic share is all traffic; no word on reversibility is irreversible.
	every omitted in ["approval/stages/production/traffic_share", "approval/stages/production/reversible"] {
		gatehouse := json.remove(f.gatehouse_data, [omitted])
		codes(denials_under(f.chain, gatehouse)) == {"approval_risk_understated"}
	}
}

test_the_high_tier_alone_needs_two_approvers if {
	# Data asks one approver at every tier and the stage sets no count.
	lax := {"approvals": 1, "roles": {"reviewers": 1}, "review_seconds": 86400}
	gatehouse := json.remove(object.union(f.gatehouse_data, tier_rules(lax, {})), ["stages/production/approvals"])
	alone := f.with_records("approval", [f.record("approval", "alice")])
	count(denials_under(alone, gatehouse)) == 0
	high := f.request_patched({"risk": {"tier": "high", "factors": []}})
	with_high := array.concat([r | some r in alone; r.id != f.request_record.id], [high])
	want := "approval: 1 distinct eligible approver(s) for stage production at risk tier high, 2 required"
	messages(denials_under(with_high, gatehouse)) == {want}
}

test_an_approver_in_two_roles_counts_for_the_first_in_name_order if {
	# bob reviews and is on the safety team: he counts for reviewers, so safety lacks one.
	rules := {"approvals": 2, "roles": {"reviewers": 1, "safety": 1}, "review_seconds": 86400}
	messages(denials_with(f.chain, tier_rules(rules, {"safety": ["bob"]}))) == {concat("", [
		"approval: 2 distinct eligible approver(s) for stage production at risk tier low, 2 required; ",
		"role safety lacks 1",
	])}
}

test_a_role_with_exactly_the_approvals_it_needs_lacks_none if {
	# alice and bob are the two reviewers the tier asks for: only safety lacks one.
	rules := {"approvals": 2, "roles": {"reviewers": 2, "safety": 1}, "review_seconds": 86400}
	messages(denials_with(f.chain, tier_rules(rules, {"safety": ["carol"]}))) == {concat("", [
		"approval: 2 distinct eligible approver(s) for stage production at risk tier low, 2 required; ",
		"role safety lacks 1",
	])}
}

test_an_approval_counted_for_a_role_does_not_also_stand_in_after_the_deadline if {
	# alice reviews and leads; her late approval counts for reviewers only, so safety still lacks one.
	rules := {"approvals": 2, "roles": {"reviewers": 1, "safety": 1}, "review_seconds": 60}
	patch := tier_rules(rules, {"safety": ["carol"], "leads": ["dave", "alice"]})
	late := f.with_records("approval", [vote("alice", "approve", 1000), f.record("approval", "bob")])
	messages(denials_with(late, patch)) == {concat("", [
		"approval: 2 distinct eligible approver(s) for stage production at risk tier low, 2 required; ",
		"role safety lacks 1",
	])}
}

test_an_escalation_approval_exactly_at_the_deadline_does_not_stand_in if {
	# The request was made five minutes ago with a minute to review: dave signs as it falls due.
	rules := {"approvals": 2, "roles": {"reviewers": 2}, "review_seconds": 60}
	patch := object.union(tier_rules(rules, {}), approval_signers(["alice", "bob", "dave"]))
	at_deadline := f.with_records("approval", [f.record("approval", "alice"), vote("dave", "approve", 240000)])
	messages(denials_with(at_deadline, patch)) == {one_reviewer_short}
}

test_a_signer_in_no_role_neither_counts_nor_vetoes if {
	# carol may sign approvals but is in no role: not even after the deadline does she count.
	rules := {"approvals": 2, "roles": {"reviewers": 2}, "review_seconds": 60}
	patch := object.union(tier_rules(rules, {}), approval_signers(["alice", "bob", "carol"]))
	late := f.with_records("approval", [f.record("approval", "alice"), vote("carol", "approve", 1000)])
	messages(denials_with(late, patch)) == {one_reviewer_short}
	rejected := f.with_records("approval", [
		f.record("approval", "alice"),
		f.record("approval", "bob"),
		vote("carol", "reject", 1000),
	])
	count(denials_with(rejected, patch)) == 0
}

test_a_rejection_of_the_judged_request_is_no_approval_after_an_approval_of_another if {
	# dave (lead) rejected the judged request after its deadline, then approved a later one:
	# no veto, but nothing approved on the judged request, and nobody stands in.
	rules := {"approvals": 2, "roles": {"reviewers": 2}, "review_seconds": 60}
	patch := object.union(tier_rules(rules, {}), approval_signers(["alice", "bob", "dave"]))
	votes := [
		f.record("approval", "alice"),
		vote("dave", "reject", 100000),
		on_later_request(vote("dave", "approve", 50000)),
	]
	attestations := array.concat(f.with_records("approval", votes), [later_request])
	messages(denials_with(attestations, patch)) == {one_reviewer_short}
}

test_a_tier_without_a_review_time_is_unconfigured_not_short_of_approvals if {
	gatehouse := json.remove(f.gatehouse_data, ["approval/tiers/low/review_seconds"])
	alone := f.with_records("approval", [f.record("approval", "alice")])
	codes(denials_under(alone, gatehouse)) == {"approval_tier_unconfigured"}
}

test_a_rejection_needs_no_deep_review_judgments if {
	due := approval_patched({"deep_review": {"rate": 0.75, "items": 2}})
	drawn := f.request_patched({"deepReview": drawn_review})
	findings := [{"item": "ex-3", "judgment": "ok"}, {"item": "ex-1", "judgment": "ok"}]
	alice := f.record("approval", "alice")
	judged := object.union(alice, {"predicate": object.union(alice.predicate, {"findings": findings})})
	votes := [judged, vote("bob", "reject", 300000)]
	others := [r | some r in f.with_records("approval", votes); r.id != f.request_record.id]
	codes(denials_with(array.concat(others, [drawn]), due)) == {"approvals_insufficient", "approval_rejected"}
}

test_without_a_rate_no_deep_review_is_due if {
	count(denials_under(f.chain, json.remove(f.gatehouse_data, ["approval/deep_review/rate"]))) == 0
}

test_a_draw_exactly_at_the_rate_needs_no_deep_review if {
	# The fixture's draw is one half of the scale.
	count(denials_with(f.chain, approval_patched({"deep_review": {"rate": 0.5}}))) == 0
}

test_a_deep_review_samples_up_to_five_items_unless_data_says if {
	# Data sets a rate but no item count; the ranking has three items: all of them are sampled.
	rate_only := object.union(f.gatehouse_data, approval_patched({"deep_review": {"rate": 0.75}}))
	due := json.remove(rate_only, ["approval/deep_review/items"])
	all_three := object.union(drawn_review, {"items": ["ex-3", "ex-1", "ex-2"]})
	drawn := f.request_patched({"deepReview": all_three})
	messages(denials_under(f.with_requests([drawn]), due)) == {
		"approval: key:SHA256:alice approved without judging every deep-review item (missing: ex-1, ex-2, ex-3)",
		"approval: key:SHA256:bob approved without judging every deep-review item (missing: ex-1, ex-2, ex-3)",
	}
}

test_break_glass_exactly_at_its_max_age_stands_in if {
	# Four hours by default.
	attestations := array.concat(f.with_records("approval", []), [f.break_glass_record("erin", 14400000)])
	count(denials(attestations)) == 0
	too_old := array.concat(f.with_records("approval", []), [f.break_glass_record("erin", 14400001)])
	codes(denials(too_old)) == {"approvals_insufficient"}
}

test_break_glass_stands_in_for_every_approval_rule if {
	# An understated risk, a tier without rules, a steered draw, approvals without deep-review judgments.
	override := f.break_glass_record("erin", 60000)
	due := object.union(f.gatehouse_data, approval_patched({"deep_review": {"rate": 0.75, "items": 2}}))
	steered := object.union(drawn_review, {"draw": 1})
	big := f.predicate_patched("integrity", {"artifact": {"bytes": 5000000000}})
	every case in [
		{"attestations": f.rebind(big, f.packet_ids), "data": f.gatehouse_data},
		{"attestations": f.chain, "data": json.remove(f.gatehouse_data, ["approval/tiers/low"])},
		{"attestations": f.with_requests([f.request_patched({"deepReview": steered})]), "data": due},
		{"attestations": f.with_requests([f.request_patched({"deepReview": drawn_review})]), "data": due},
	] {
		count(denials_under(array.concat(case.attestations, [override]), case.data)) == 0
	}
}

test_a_stage_that_does_not_require_approval_gets_no_approval_denials if {
	# Staging requires integrity and provenance only.
	ds := approval.deny with input as f.request("staging", f.chain)
		with data.gatehouse as object.remove(f.gatehouse_data, ["approval"])
	count(ds) == 0

	# A staging request signed with alice's key, which she approves, and bob rejects.
	packet := [item | some item in f.packet; item.gate in {"integrity", "provenance"}]
	two_ids := {"name": "key:SHA256:requester", "ids": ["alice", "requester"]}
	request := object.union(f.request_patched({"stage": "staging", "packet": packet}), {"signer": two_ids})
	reviewed := sort([item.attestation | some item in packet])
	words := [object.union(r, {"predicate": object.union(r.predicate, {"stage": "staging", "reviewed": reviewed})}) |
		some r in [f.record("approval", "alice"), vote("bob", "reject", 60000)]
	]
	gates := [r | some r in f.gate_chain; r.predicate.gate != "approval"]
	staging := approval.deny with input as f.request("staging", array.concat(gates, array.concat([request], words)))
		with data.gatehouse as f.gatehouse_data
	count(staging) == 0
}
