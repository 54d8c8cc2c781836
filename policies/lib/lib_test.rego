package lib_test

import data.lib
import data.lib.fixtures_test as f

test_rule_data_defaults if {
	lib.rule_data("max_age_seconds") == 604800 with data.gatehouse as {}
	lib.rule_data("max_age_seconds") == 60 with data.gatehouse as {"max_age_seconds": 60}
}

test_thresholds_default_to_none if {
	lib.thresholds("approval") == {} with data.gatehouse as f.gatehouse_data
}

test_show_writes_every_kind_of_parameter if {
	lib.show("text %s") == "text %s"
	lib.show(0.00005) == "0.00005"
	lib.show(null) == "null"
	lib.show(true) == "true"
	lib.show([1, "a", {"x": 1}, [2]]) == "1, a, object, array"
	lib.show({"b": 2, "a": null, "c": {"d": 1}}) == "a=null, b=2, c=object"
}

test_approvers_review_every_required_gate_but_approval_and_those_after_it if {
	lib.reviewed_gates == {"integrity", "provenance", "regression", "safety", "bias"} with input.stage as "production"
		with data.gatehouse as f.gatehouse_data
}

# Alice's fixture approval naming the request by these fields instead.
alice_naming(fields) := object.union(alice, {"predicate": object.union(alice.predicate, {"request": object.union(
	alice.predicate.request,
	fields,
)})})

alice := f.record("approval", "alice")

test_an_approval_is_bound_only_to_the_request_it_names if {
	lib.bound_to(alice, f.request_record)
	every fields in [
		{"digest": "sha256:another-request"},
		{"id": "99999999-2222-4333-8444-555555555555"},
		{"nonce": "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"},
	] {
		not lib.bound_to(alice_naming(fields), f.request_record)
	}

	# A re-serialised copy of the request goes by another digest too.
	copied := object.union(f.request_record, {"aliases": [f.request_record.id, "sha256:copy"]})
	lib.bound_to(alice_naming({"digest": "sha256:copy"}), copied)
}

# Alice's word, rejecting, given at this time and changed by patch.
alice_rejects(at_ms, patch) := object.union(alice, object.union(
	{
		"id": sprintf("sha256:approval-alice-rejects-%d", [at_ms]),
		"evaluated_at_ms": at_ms,
		"predicate": object.union(alice.predicate, {"decision": "reject"}),
	},
	patch,
))

test_each_approvers_evidence_is_their_newest_word if {
	earlier := object.union(alice, {"id": "sha256:approval-alice-earlier", "evaluated_at_ms": f.now_ms - 900000})
	rejection := alice_rejects(f.now_ms - 300000, {})
	attestations := f.with_records("approval", [earlier, rejection, f.record("approval", "bob")])
	ids := {r.id | some r in lib.evidence.approval} with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	ids == {rejection.id, "sha256:approval-bob"}
}

test_a_word_that_is_not_admissible_or_bound_is_no_word if {
	# Claimed after the evaluation time; on a request no requester made.
	future := alice_rejects(f.now_ms + 1000, {})
	unrequested := alice_rejects(f.now_ms - 300000, {"predicate": object.union(
		alice_naming({
			"id": "99999999-2222-4333-8444-555555555555",
			"nonce": "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
			"digest": "sha256:another-request",
		}).predicate,
		{"decision": "reject"},
	)})
	every word in [future, unrequested] {
		attestations := f.with_records("approval", [alice, word, f.record("approval", "bob")])
		ids := {r.id | some r in lib.newest_words} with input as f.request("production", attestations)
			with data.gatehouse as f.gatehouse_data
		ids == {"sha256:approval-alice", "sha256:approval-bob"}
	}
}

test_a_provenance_record_naming_nobody_gives_no_author if {
	nobody := f.patched("provenance", {"author": null})
	count(lib.authors) == 0 with input as f.request("production", nobody) with data.gatehouse as f.gatehouse_data
	lib.authors == {f.model_author} with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
}
