package release.approval_test

import data.lib.fixtures_test as f
import data.release.approval

# An approval by signer on the fixture request, decision and age changed.
vote(signer, decision, age_ms) := object.union(f.record("approval", signer), {
	"id": sprintf("sha256:approval-%s-%s-%s", [signer, decision, json.marshal(age_ms)]),
	"evaluated_at_ms": f.now_ms - age_ms,
	"predicate": object.union(f.record("approval", signer).predicate, {"decision": decision}),
})

denials(attestations) := ds if {
	# regal ignore:with-outside-test-context
	ds := approval.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
}

denials_with(attestations, data_patch) := ds if {
	# regal ignore:with-outside-test-context
	ds := approval.deny with input as f.request("production", attestations)
		with data.gatehouse as object.union(f.gatehouse_data, data_patch)
}

codes(ds) := {v.code | some v in ds}

messages(ds) := {v.msg | some v in ds}

# The message of a request with one reviewer's approval.
one_reviewer_short := concat("", [
	"approval: 1 distinct eligible approver(s) for stage production at risk tier low, 2 required; ",
	"role reviewers lacks 1",
])

# A deep review drawn and recorded as the fixture's nonce and a rate of 0.75 give it.
drawn_review := {"draw": f.half_draw, "scale": f.draw_scale, "rate": 0.75, "selected": true, "items": ["ex-3", "ex-1"]}

# The approval data with one member replaced.
approval_patched(patch) := {"approval": object.union(f.approval_data, patch)}

test_complete_chain_passes if {
	count(denials(f.chain)) == 0
}

test_two_approvals_from_one_identity_count_once if {
	again := object.union(f.record("approval", "alice"), {"id": "sha256:approval-alice-2"})
	messages(denials(f.with_records("approval", [f.record("approval", "alice"), again]))) == {one_reviewer_short}
}

test_approval_for_another_stage_does_not_count if {
	bob := f.record("approval", "bob")
	elsewhere := object.union(bob, {"predicate": object.union(bob.predicate, {"stage": "staging"})})
	codes(denials(f.with_records("approval", [f.record("approval", "alice"), elsewhere]))) == {"approvals_insufficient"}
}

test_later_rejection_withdraws_an_approval if {
	attestations := f.with_records("approval", [
		vote("alice", "approve", 600000),
		vote("bob", "approve", 600000),
		vote("bob", "reject", 300000),
	])
	codes(denials(attestations)) == {"approvals_insufficient", "approval_rejected"}
}

test_later_approval_replaces_a_rejection if {
	attestations := f.with_records("approval", [
		vote("alice", "approve", 600000),
		vote("bob", "reject", 600000),
		vote("bob", "approve", 300000),
	])
	count(denials(attestations)) == 0
}

test_simultaneous_approval_and_rejection_is_a_rejection if {
	attestations := f.with_records("approval", [
		vote("alice", "approve", 600000),
		vote("bob", "approve", 300000),
		vote("bob", "reject", 300000),
	])
	messages(denials(attestations)) == {
		"approval: 1 distinct eligible approver(s) for stage production at risk tier low, 2 required; role reviewers lacks 1",
		"approval: key:SHA256:bob rejected promotion to production",
	}
}

test_an_approval_of_another_packet_does_not_count if {
	# bob reviewed the packet before the regression gate was re-run.
	bob := f.record("approval", "bob")
	reviewed := f.packet_with("sha256:regression-regression-gate", "sha256:old-regression")
	stale := object.union(bob, {"predicate": object.union(bob.predicate, {"reviewed": reviewed})})
	codes(denials(f.with_records("approval", [f.record("approval", "alice"), stale]))) == {"approvals_insufficient"}
}

test_an_approval_naming_another_nonce_does_not_count if {
	bob := f.record("approval", "bob")
	request := object.union(bob.predicate.request, {"nonce": "cd"})
	other := object.union(bob, {"predicate": object.union(bob.predicate, {"request": request})})
	codes(denials(f.with_records("approval", [f.record("approval", "alice"), other]))) == {"approvals_insufficient"}
}

test_a_gate_rerun_after_the_request_leaves_nothing_to_approve if {
	newer := {"id": "sha256:regression-rerun", "evaluated_at_ms": f.now_ms - 1000}
	rerun := object.union(f.record("regression", "regression-gate"), newer)
	attestations := array.concat(f.chain, [rerun])
	messages(denials(attestations)) == {concat("", [
		"approval: no approval request for stage production covers the current evidence; ",
		"the request(s) on record cover other evidence (a gate was re-run since): request approval again",
	])}
}

test_no_request_from_an_authorised_requester if {
	forged := object.union(f.request_record, {"signer": {"name": "key:SHA256:alice", "ids": ["alice"]}})
	want := "approval: no approval request for this stage from a requester policy data names"
	messages(denials(f.with_requests([forged]))) == {want}
}

test_without_approval_data_nothing_is_approved if {
	ds := approval.deny with input as f.request("production", f.chain)
		with data.gatehouse as object.remove(f.gatehouse_data, ["approval"])
	"approval_policy_missing" in codes(ds)
}

test_the_earliest_current_request_is_judged if {
	# A second request for the same evidence, made later: approvals of it do not count.
	later_id := "99999999-2222-4333-8444-555555555555"
	later_time := {"id": "sha256:request-later", "evaluated_at_ms": f.now_ms - 100000}
	later := object.union(f.request_patched({"requestId": later_id}), later_time)
	named := {"id": later_id, "nonce": f.request_nonce, "digest": "sha256:request-later"}
	moved := [object.union(r, {"predicate": object.union(r.predicate, {"request": named})}) |
		some r in [f.record("approval", "alice"), f.record("approval", "bob")]
	]
	attestations := array.concat(f.with_records("approval", moved), [later])
	codes(denials(attestations)) == {"approvals_insufficient"}
}

# A second request for the same evidence, made later, and bob's word on it.
later_request := object.union(
	f.request_patched({"requestId": "99999999-2222-4333-8444-555555555555"}),
	{"id": "sha256:request-later", "evaluated_at_ms": f.now_ms - 100000},
)

on_later_request(r) := object.union(r, {"predicate": object.union(r.predicate, {"request": {
	"id": later_request.predicate.requestId,
	"nonce": f.request_nonce,
	"digest": later_request.id,
}})})

test_a_rejection_of_another_request_for_the_evidence_is_a_veto if {
	# The earliest request is judged; bob's newest word, on the later one, rejects.
	votes := [
		vote("alice", "approve", 600000),
		vote("bob", "approve", 600000),
		on_later_request(vote("bob", "reject", 60000)),
	]
	attestations := array.concat(f.with_records("approval", votes), [later_request])
	codes(denials(attestations)) == {"approvals_insufficient", "approval_rejected"}
}

test_a_later_approval_of_the_judged_request_replaces_a_rejection_of_another if {
	votes := [
		vote("alice", "approve", 600000),
		on_later_request(vote("bob", "reject", 600000)),
		vote("bob", "approve", 60000),
	]
	attestations := array.concat(f.with_records("approval", votes), [later_request])
	count(denials(attestations)) == 0
}

test_a_rejection_does_not_expire_with_the_approval_window if {
	# Bob rejected two days ago (the approval window is a day): still a veto.
	votes := [vote("alice", "approve", 600000), vote("bob", "reject", 172800000)]
	codes(denials(f.with_records("approval", votes))) == {"approvals_insufficient", "approval_rejected"}
}

test_the_requester_cannot_approve if {
	# Alice's key is listed as the requester too: one identity under two ids.
	two_ids := {"name": "key:SHA256:requester", "ids": ["alice", "requester"]}
	requested_by_alice := object.union(f.request_record, {"signer": two_ids})
	want := "approval: key:SHA256:alice signed the approval request and cannot also decide it"
	messages(denials(f.with_requests([requested_by_alice]))) == {want}
}

test_the_requester_under_its_name_cannot_approve if {
	# The same identity, even when policy data names it under no id.
	by_name := object.union(f.request_record, {"signer": {"name": "key:SHA256:bob", "ids": ["requester"]}})
	want := "approval: key:SHA256:bob signed the approval request and cannot also decide it"
	messages(denials(f.with_requests([by_name]))) == {want}
}

test_risk_understated_by_the_request if {
	big := f.predicate_patched("integrity", {"artifact": {"bytes": 5000000000}})
	attestations := f.rebind(big, f.packet_ids)
	messages(denials(attestations)) == {concat("", [
		"approval: request 11111111-2222-4333-8444-555555555555 records risk tier low; ",
		"the evidence and policy data give high",
	])}
}

test_unknown_model_size_is_high_risk if {
	unsized := json.remove(f.record("integrity", "integrity-gate"), ["predicate/artifact/bytes"])
	codes(denials(f.with_records("integrity", [unsized]))) == {"approval_risk_understated"}
}

test_risk_factors_the_request_declares_raise_the_tier if {
	every factor in [
		{"name": "sensitive_use", "value": true, "tier": "high", "source": "risk file"},
		{"name": "reversible", "value": false, "tier": "high", "source": "risk file"},
		{"name": "traffic_share", "value": 0.6, "tier": "high", "source": "risk file"},
	] {
		declared := f.request_patched({"risk": {"tier": "low", "factors": [factor]}})
		codes(denials(f.with_requests([declared]))) == {"approval_risk_understated"}
	}
}

test_stage_facts_raise_the_tier if {
	stage_facts := [
		{"reversible": false},
		{"reversible": true, "sensitive_use": true},
		{"reversible": true, "traffic_share": 0.1},
	]
	every stage_risk in stage_facts {
		patch := approval_patched({"stages": {"production": stage_risk}})
		codes(denials_with(f.chain, patch)) == {"approval_risk_understated"}
	}
}

test_a_higher_recorded_tier_is_judged if {
	# The request raised itself to high, where data asks for three reviewers.
	high := f.request_patched({"risk": {"tier": "high", "factors": []}})
	high_rules := {"approvals": 3, "roles": {"reviewers": 2}, "review_seconds": 60}
	tiers := object.union(f.approval_data.tiers, {"high": high_rules})
	want := "approval: 2 distinct eligible approver(s) for stage production at risk tier high, 3 required"
	messages(denials_with(f.with_requests([high]), approval_patched({"tiers": tiers}))) == {want}
}

test_the_high_tier_needs_two_approvers_whatever_data_says if {
	high := f.request_patched({"risk": {"tier": "high", "factors": []}})
	lax := {"approvals": 1, "roles": {"reviewers": 1}, "review_seconds": 60}
	tiers := object.union(f.approval_data.tiers, {"high": lax})
	attestations := f.with_records("approval", [f.record("approval", "alice")])
	with_high := array.concat([r | some r in attestations; r.id != f.request_record.id], [high])
	want := "approval: 1 distinct eligible approver(s) for stage production at risk tier high, 2 required"
	messages(denials_with(with_high, approval_patched({"tiers": tiers}))) == {want}
}

test_a_tier_without_rules_denies if {
	ds := approval.deny with input as f.request("production", f.chain)
		with data.gatehouse as json.remove(f.gatehouse_data, ["approval/tiers/low"])
	codes(ds) == {"approval_tier_unconfigured"}
}

test_a_role_the_tier_requires_must_approve if {
	rules := {"approvals": 2, "roles": {"reviewers": 1, "safety": 1}, "review_seconds": 86400}
	tiers := {tier: rules | some tier in f.tier_names}
	roles := object.union(f.approval_data.roles, {"safety": ["carol"]})
	messages(denials_with(f.chain, approval_patched({"tiers": tiers, "roles": roles}))) == {concat("", [
		"approval: 2 distinct eligible approver(s) for stage production at risk tier low, 2 required; ",
		"role safety lacks 1",
	])}
}

test_an_escalation_role_stands_in_after_the_deadline if {
	# dave leads: his approval counts only when signed after the request's deadline.
	approvers := object.union(f.gatehouse_data.gates.approval, {"signers": ["alice", "bob", "dave"]})
	gates := object.union(f.gatehouse_data.gates, {"approval": approvers})
	tiers := {tier: {"approvals": 2, "roles": {"reviewers": 2}, "review_seconds": 60} | some tier in f.tier_names}
	patch := object.union(approval_patched({"tiers": tiers}), {"gates": gates})
	dave_late := object.union(f.record("approval", "dave"), {"id": "sha256:dave-late", "evaluated_at_ms": f.now_ms - 1000})
	count(denials_with(f.with_records("approval", [f.record("approval", "alice"), dave_late]), patch)) == 0
	early_ms := f.request_record.evaluated_at_ms + 1000
	dave_early := object.union(dave_late, {"id": "sha256:dave-early", "evaluated_at_ms": early_ms})
	too_early := f.with_records("approval", [f.record("approval", "alice"), dave_early])
	codes(denials_with(too_early, patch)) == {"approvals_insufficient"}
}

test_a_deep_review_draw_is_checked if {
	due := approval_patched({"deep_review": {"rate": 0.75, "items": 2}})
	drawn := f.request_patched({"deepReview": drawn_review})
	findings := [{"item": "ex-3", "judgment": "ok"}, {"item": "ex-1", "judgment": "concern", "note": "odd"}]
	judged := [object.union(r, {"predicate": object.union(r.predicate, {"findings": findings})}) |
		some r in [f.record("approval", "alice"), f.record("approval", "bob")]
	]
	others := [r | some r in f.with_records("approval", judged); r.id != f.request_record.id]
	count(denials_with(array.concat(others, [drawn]), due)) == 0
}

test_a_deep_review_without_item_judgments_denies if {
	due := approval_patched({"deep_review": {"rate": 0.75, "items": 2}})
	drawn := f.request_patched({"deepReview": drawn_review})
	messages(denials_with(f.with_requests([drawn]), due)) == {
		"approval: key:SHA256:alice approved without judging every deep-review item (missing: ex-1, ex-3)",
		"approval: key:SHA256:bob approved without judging every deep-review item (missing: ex-1, ex-3)",
	}
}

test_a_steered_draw_denies if {
	due := approval_patched({"deep_review": {"rate": 0.75, "items": 2}})
	every case in [
		{"recorded": {"draw": 1, "selected": true, "items": ["ex-3", "ex-1"]}, "problems": {"draw"}},
		{"recorded": {"draw": f.half_draw, "selected": false, "items": []}, "problems": {"selection", "items"}},
		{"recorded": {"draw": f.half_draw, "selected": true, "items": ["ex-2", "ex-1"]}, "problems": {"items"}},
	] {
		drawn := f.request_patched({"deepReview": object.union({"scale": f.draw_scale, "rate": 0.75}, case.recorded)})
		ds := denials_with(f.with_requests([drawn]), due)
		{v.msg | some v in ds; v.code == "approval_draw_mismatch"} == {msg |
			some problem in case.problems
			msg := sprintf(
				"approval: request %s records a deep-review draw that its nonce and policy data do not give (%s)",
				[f.request_id, problem],
			)
		}
	}
}

test_a_draw_above_the_rate_needs_no_deep_review if {
	# The fixture's draw is one half: at a rate of 0.25 no deep review is due, and recording one is steering.
	rate := approval_patched({"deep_review": {"rate": 0.25, "items": 2}})
	count(denials_with(f.chain, rate)) == 0
	steered := {"draw": f.half_draw, "scale": f.draw_scale, "rate": 0.25, "selected": true, "items": []}
	claimed := f.request_patched({"deepReview": steered})
	codes(denials_with(f.with_requests([claimed]), rate)) == {"approval_draw_mismatch"}
}

test_break_glass_stands_in_for_approvals if {
	override := f.break_glass_record("erin", 60000)
	attestations := array.concat(f.with_records("approval", []), [override])
	count(denials(attestations)) == 0
}

test_break_glass_does_not_lift_a_veto if {
	override := f.break_glass_record("erin", 60000)
	attestations := array.concat(f.with_records("approval", [vote("bob", "reject", 1000)]), [override])
	codes(denials(attestations)) == {"approval_rejected"}
}

test_break_glass_by_another_role_or_too_old_is_nothing if {
	every override in [f.break_glass_record("alice", 60000), f.break_glass_record("erin", 20000000)] {
		attestations := array.concat(f.with_records("approval", []), [override])
		codes(denials(attestations)) == {"approvals_insufficient"}
	}
}

test_approval_age_counts_from_signed_time if {
	# Witnessed as signed a minute ago, claimed evaluated two days ago: fresh (the window is a day).
	times := {"evaluated_at_ms": f.now_ms - 172800000, "signed_at_ms": f.now_ms - 60000}
	old_claim := object.union(f.record("approval", "bob"), times)
	count(denials(f.with_records("approval", [f.record("approval", "alice"), old_claim]))) == 0
}

test_a_request_older_than_its_evidence_is_not_judged if {
	# Back-dated before the newest gate evidence was judged: it could not have covered it.
	backdated := object.union(f.request_record, {"evaluated_at_ms": f.now_ms - 700000})
	codes(denials(f.with_requests([backdated]))) == {"approval_request_missing"}
}

test_break_glass_by_the_model_author_is_nothing if {
	erin_wrote_it := f.patched("provenance", {"author": {"name": "key:SHA256:erin", "ids": ["erin"]}})
	without_approvals := [r | some r in erin_wrote_it; object.get(r.predicate, "gate", "") != "approval"]
	attestations := array.concat(without_approvals, [f.break_glass_record("erin", 60000)])
	codes(denials(attestations)) == {"approvals_insufficient"}
}

test_a_packet_that_misstates_its_evidence_is_no_request if {
	every change in [
		{"gate": "integrity"},
		{"verdict": "fail"},
		{"reports": [{"role": "report", "digest": f.deployed}]},
	] {
		packet := [item |
			some original in f.packet
			item := object.union(original, misstated(original, change))
		]
		misstating := f.request_patched({"packet": packet})
		codes(denials(f.with_requests([misstating]))) == {"approval_request_missing"}
	}
}

# The regression item changed; the others as they are.
misstated(item, change) := change if item.gate == "regression"

else := {}

test_a_rejection_outlives_a_gate_rerun if {
	# Bob rejected the request; the regression gate then ran again, so that
	# request covers old evidence and a break-glass override stands in for
	# the approvals: bob's rejection still vetoes.
	newer := {"id": "sha256:regression-rerun", "evaluated_at_ms": f.now_ms - 60000}
	rerun := object.union(f.record("regression", "regression-gate"), newer)
	old_reject := object.union(f.record("approval", "bob"), {
		"id": "sha256:bob-rejects",
		"evaluated_at_ms": f.now_ms - 200000,
		"predicate": object.union(f.record("approval", "bob").predicate, {"decision": "reject"}),
	})
	gates := [r | some r in f.gate_chain; r.predicate.gate != "approval"]
	attestations := array.concat(gates, [rerun, f.request_record, old_reject, f.break_glass_record("erin", 60000)])
	codes(denials(attestations)) == {"approval_rejected"}
}

test_a_later_approval_lifts_an_earlier_rejection if {
	old_reject := object.union(f.record("approval", "bob"), {
		"id": "sha256:bob-rejects",
		"evaluated_at_ms": f.now_ms - 700000,
		"predicate": object.union(f.record("approval", "bob").predicate, {"decision": "reject"}),
	})
	count(denials(array.concat(f.chain, [old_reject]))) == 0
}

test_copies_of_a_bundle_name_the_same_statement if {
	# The store holds a re-serialised copy of the regression attestation and of
	# the request; the decision keeps the smallest digest of each and lists the
	# others as aliases. The packet and the approvals name the copies.
	regression := object.union(f.record("regression", "regression-gate"), {
		"id": "sha256:0-regression-copy",
		"aliases": ["sha256:0-regression-copy", "sha256:regression-regression-gate"],
	})
	request := object.union(f.request_record, {
		"id": "sha256:0-request-copy",
		"aliases": ["sha256:0-request-copy", "sha256:request-requester"],
	})
	attestations := array.concat(
		[r | some r in f.with_records("regression", [regression]); r.predicate_type != f.request_type],
		[request],
	)
	count(denials(attestations)) == 0

	# A digest that names nothing the decision uses is no packet item.
	bias_item := [i | some i in request.predicate.packet; i.gate == "bias"][0]
	others := [i | some i in request.predicate.packet; i.gate != "bias"]
	packet := array.concat(others, [object.union(bias_item, {"attestation": "sha256:unknown"})])
	stranger := object.union(request, {"predicate": object.union(request.predicate, {"packet": packet})})
	stray := array.concat([r | some r in attestations; r.predicate_type != f.request_type], [stranger])
	codes(denials(stray)) == {"approval_request_missing"}
}

test_a_packet_that_leaves_out_the_canary_is_faithful if {
	# The canary follows approval (a fact of the gate in data): approvers review every other gate.
	f.gatehouse_data.gates.canary.follows_approval == true
	reviewed := {"integrity", "provenance", "regression", "safety", "bias"}
	{item.gate | some item in f.request_record.predicate.packet} == reviewed
	count(denials(f.chain)) == 0
}

test_a_packet_naming_the_canary_is_no_request if {
	canary := {"gate": "canary", "attestation": "sha256:canary-canary-gate", "verdict": "pass", "reports": []}
	naming := f.request_patched({"packet": array.concat(f.packet, [canary])})
	codes(denials(f.with_requests([naming]))) == {"approval_request_missing"}
}

test_without_the_fact_approvers_review_the_canary_too if {
	ds := approval.deny with input as f.request("production", f.chain)
		with data.gatehouse as json.remove(f.gatehouse_data, ["gates/canary/follows_approval"])
	codes(ds) == {"approval_request_missing"}
}

test_a_canary_newer_than_the_request_does_not_make_it_stale if {
	# Judged a second before the decision, long after the request: the request still covers what approvers review.
	newer := {"evaluated_at_ms": f.now_ms - 1000, "window_ms": {"start": f.now_ms - 1801000, "end": f.now_ms - 1000}}
	count(denials(f.patched("canary", newer))) == 0

	# A reviewed gate judged as late does.
	rerun := f.patched("regression", {"evaluated_at_ms": f.now_ms - 1000})
	codes(denials(rerun)) == {"approval_request_missing"}
}
