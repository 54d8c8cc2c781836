package release.canary_test

import data.lib.fixtures_test as f
import data.release.canary

# The fixture's canary record: half an hour ending two minutes before the
# decision, judged a minute before it, the approvals ten minutes before it.
honest := f.record("canary", "canary-gate")

denials(attestations) := ds if {
	# regal ignore:with-outside-test-context
	ds := canary.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
}

# Denials under the fixture's canary settings changed by patch.
denials_with(attestations, patch) := ds if {
	settings := object.union(f.canary_settings, patch)
	thresholds := object.union(f.gatehouse_data.thresholds, {"canary": settings})

	# regal ignore:with-outside-test-context
	ds := canary.deny with input as f.request("production", attestations)
		with data.gatehouse as object.union(f.gatehouse_data, {"thresholds": thresholds})
}

codes(ds) := {v.code | some v in ds}

messages(ds) := {v.msg | some v in ds}

# The chain with the canary's predicate changed by patch.
predicate_patched(patch) := f.predicate_patched("canary", patch)

# The chain with the canary's window placed at these times (milliseconds).
windowed(start_ms, end_ms) := f.patched("canary", {"window_ms": {"start": start_ms, "end": end_ms}})

# The canary's metrics with the one named name changed by patch.
metrics_patched(name, patch) := [patched_metric(m, name, patch) | some m in honest.predicate.metrics]

patched_metric(m, name, patch) := object.union(m, patch) if m.name == name

else := m

# The chain with one canary metric changed by patch.
metric_patched(name, patch) := predicate_patched({"metrics": metrics_patched(name, patch)})

# The newest counted approval: both fixture approvals, ten minutes before the decision.
approval_ms := f.now_ms - 600000

test_an_honest_canary_passes if {
	count(denials(f.chain)) == 0
}

test_a_window_of_exactly_the_minimum_passes if {
	honest.window_ms.end - honest.window_ms.start == 1800000
	count(denials(windowed(honest.window_ms.start, honest.window_ms.end))) == 0
}

test_a_window_one_second_short_denies if {
	attestations := windowed(honest.window_ms.start + 1000, honest.window_ms.end)
	messages(denials(attestations)) == {"canary: the window ran 1799 seconds; policy requires 1800"}
}

test_a_window_ending_at_the_approval_denies if {
	window := {"start": "2027-01-15T07:20:00Z", "end": "2027-01-15T07:50:00Z"}
	attestations := f.patched("canary", {
		"window_ms": {"start": approval_ms - 1800000, "end": approval_ms},
		"predicate": object.union(honest.predicate, {"window": window}),
	})
	messages(denials(attestations)) == {"canary: the window ended at 2027-01-15T07:50:00Z, before the approval it follows"}
}

test_a_window_ending_a_millisecond_after_the_approval_passes if {
	count(denials(windowed(approval_ms - 1799999, approval_ms + 1))) == 0
}

test_an_approval_counts_from_its_witnessed_signing_time if {
	# Claimed evaluated ten minutes ago, witnessed signed after the canary window ended.
	bob := object.union(f.record("approval", "bob"), {"signed_at_ms": honest.window_ms.end})
	attestations := f.with_records("approval", [f.record("approval", "alice"), bob])
	codes(denials(attestations)) == {"canary_before_approval"}
}

test_a_break_glass_override_is_followed_like_the_approvals_it_stands_in_for if {
	# Before the canary ended: the override admitted its traffic.
	before := array.concat(f.with_records("approval", []), [f.break_glass_record("erin", 1200000)])
	count(denials(before)) == 0

	# A minute before the decision, after the canary ended: the canary ran on traffic nobody admitted.
	after := array.concat(f.with_records("approval", []), [f.break_glass_record("erin", 60000)])
	codes(denials(after)) == {"canary_before_approval"}
}

test_a_window_ending_when_judged_passes if {
	count(denials(windowed(honest.evaluated_at_ms - 1800000, honest.evaluated_at_ms))) == 0
}

test_a_window_ending_after_it_was_judged_denies if {
	# An end put ahead of the judgement would place a canary judged before the approval after it.
	attestations := windowed(honest.evaluated_at_ms - 1800000, honest.evaluated_at_ms + 1)
	want := "canary: the window ends at 2027-01-15T07:58:00Z, after the canary was judged at 2027-01-15T07:59:00Z"
	messages(denials(attestations)) == {want}
}

test_another_step_denies if {
	messages(denials(predicate_patched({"step": 30}))) == {"canary: sampled every 30 seconds; policy sets 60"}
}

test_a_metric_query_one_character_off_denies if {
	edited := `sum(increase(requests_total{code=~"5..",track="canary"}[61s]))`
	queries := {"canary": [edited, f.requests_query("canary")], "baseline": f.canary_queries("baseline").error_rate}
	messages(denials(metric_patched("error_rate", {"queries": queries}))) == {sprintf(
		"canary: error_rate on the canary arm was asked %s, %s; policy data asks %s, %s",
		[edited, f.requests_query("canary"), f.canary_queries("canary").error_rate[0], f.requests_query("canary")],
	)}
}

test_metric_queries_in_another_order_deny if {
	swapped := {arm: [q[1], q[0]] | some arm in f.arms; q := f.canary_queries(arm).feedback_rate}
	codes(denials(metric_patched("feedback_rate", {"queries": swapped}))) == {"canary_query_unexpected"}
}

test_a_traffic_query_one_character_off_denies if {
	edited := `sum(increase(requests_total{track="baseline"}[60s])) `
	queries := {"canary": [f.requests_query("canary")], "baseline": [edited]}
	traffic := object.union(honest.predicate.traffic, {"queries": queries})
	messages(denials(predicate_patched({"traffic": traffic}))) == {sprintf(
		"canary: traffic on the baseline arm was asked %s; policy data asks %s",
		[edited, f.requests_query("baseline")],
	)}
}

test_a_metric_policy_data_does_not_name_asked_nothing_it_expects if {
	stranger := object.union(f.canary_metric("queue_depth"), {"name": "mood"})
	metrics := array.concat(honest.predicate.metrics, [stranger])
	ds := denials(predicate_patched({"metrics": metrics}))
	{v.msg | some v in ds; v.code == "canary_query_unexpected"} == {
	sprintf("canary: mood on the %s arm was asked %s; policy data asks (none)", [arm, q]) |
		some arm in f.arms
		q := f.canary_queries(arm).queue_depth[0]
	}
}

test_arm_values_are_written_as_promql_strings if {
	arms := {"label": "track", "canary": `new "blue"\green`, "baseline": "old\nline"}
	settings := object.union(f.canary_settings, {"arms": arms})
	thresholds := object.union(f.gatehouse_data.thresholds, {"canary": settings})
	data_patched := object.union(f.gatehouse_data, {"thresholds": thresholds})
	canary.arm_matcher("canary") == `track="new \"blue\"\\green"` with data.gatehouse as data_patched
	canary.arm_matcher("baseline") == `track="old\nline"` with data.gatehouse as data_patched
}

test_traffic_shares_at_the_bounds_pass if {
	every share in [0.01, 0.5] {
		count(denials(predicate_patched({"trafficShare": share}))) == 0
	}
}

test_traffic_shares_outside_the_bounds_or_none_deny if {
	every share in [0.0099999, 0.5000001, 0, 1, null] {
		codes(denials(predicate_patched({"trafficShare": share}))) == {"canary_traffic_share"}
	}
}

test_no_traffic_share_is_named if {
	want := "canary: served null of the traffic; policy allows 0.01 to 0.5"
	messages(denials(predicate_patched({"trafficShare": null}))) == {want}
}

test_exactly_the_minimum_samples_pass if {
	count(denials(metric_patched("latency_p99", {"n": {"canary": 20, "baseline": 20}}))) == 0
}

test_one_sample_short_in_either_arm_denies if {
	every n in [{"canary": 19, "baseline": 30}, {"canary": 30, "baseline": 19}] {
		codes(denials(metric_patched("latency_p99", {"n": n}))) == {"canary_data_short"}
	}
}

test_data_short_says_what_policy_needs if {
	messages(denials(metric_patched("latency_p99", {"n": {"canary": 19, "baseline": 30}}))) == {concat("", [
		"canary: latency_p99 has 19 canary and 30 baseline samples over 1 of the window, from 5000 canary and ",
		"5000 baseline events (policy needs 20 samples each over 0.9 of it, and 1000 events)",
	])}
}

test_coverage_at_the_minimum_passes_and_below_denies if {
	count(denials(metric_patched("error_rate", {"coverage": 0.9}))) == 0
	codes(denials(metric_patched("error_rate", {"coverage": 0.8999}))) == {"canary_data_short"}
}

test_events_at_the_minimum_pass_and_below_or_none_deny if {
	count(denials(metric_patched("error_rate", {"events": {"canary": 1000, "baseline": 1000}}))) == 0
	every events in [{"canary": 999, "baseline": 5000}, {"canary": 5000, "baseline": 999}, null] {
		codes(denials(metric_patched("error_rate", {"events": events}))) == {"canary_data_short"}
	}
}

test_a_value_metric_counts_no_events if {
	f.canary_metric("queue_depth").events == null
	count(denials(f.chain)) == 0
}

test_no_interval_is_short_of_data_and_never_a_pass if {
	ds := denials(metric_patched("latency_p99", {"ci": null}))
	codes(ds) == {"canary_data_short", "canary_score_low"}
	score_message("75", "80") in messages(ds)
}

test_an_interval_at_a_lower_level_denies if {
	# At level 0.5 the interval is narrow enough to pass what the policy's 0.95 would not.
	narrow := {"delta": 0.0017, "ci": {"low": 0.0015, "high": 0.0019, "level": 0.5}}
	want := "canary: error_rate interval is at level 0.5; policy requires 0.95"
	messages(denials(metric_patched("error_rate", narrow))) == {want}
}

test_an_interval_without_a_level_denies if {
	levelless := json.remove(honest, ["predicate/metrics/0/ci/level"])
	codes(denials(f.with_records("canary", [levelless]))) == {"canary_interval_level_wrong"}
}

test_the_level_is_the_policys if {
	ds := canary.deny with input as f.request("production", f.chain)
		with data.gatehouse as object.union(f.gatehouse_data, {"level": 0.99})
	count(ds) == count(f.canary_metric_names)
	codes(ds) == {"canary_interval_level_wrong"}
}

# The message of a score below the minimum (written with sprintf: a per cent
# sign before a space reads as a formatting verb to the policy's checks).
score_message(score, minimum) := sprintf(
	"canary: %s%% of comparisons are within tolerance; policy requires %s%%",
	[score, minimum],
)

# Five comparisons (latency on two routes), each claiming a pass: fields of
# the ones named in failing changed so that the policy finds them beyond
# their tolerance.
five_comparisons(failing) := [comparison(m, failing) |
	some m in array.concat(
		[m | some m in honest.predicate.metrics; m.name != "latency_p99"],
		[
			object.union(f.canary_metric("latency_p99"), {"series": {"route": "/a"}}),
			object.union(f.canary_metric("latency_p99"), {"series": {"route": "/b"}}),
		],
	)
]

# Beyond tolerance, whatever the record claims: feedback's lower bound past
# -0.035 (5% of 0.7), latency on /b's upper bound past 0.08 (10% of 0.8).
beyond := {
	"feedback_rate": {"delta": -0.03, "ci": {"low": -0.036, "high": -0.02, "level": 0.95}},
	"latency_p99": {"delta": 0.07, "ci": {"low": 0.05, "high": 0.0801, "level": 0.95}},
}

comparison(m, failing) := object.union(m, beyond[m.name]) if {
	m.name in failing
	object.get(m.series, "route", "/b") == "/b"
} else := m

test_a_score_of_exactly_the_minimum_passes if {
	attestations := predicate_patched({"metrics": five_comparisons({"feedback_rate"}), "score": 100})
	count(denials(attestations)) == 0
}

test_a_score_just_below_the_minimum_denies if {
	attestations := predicate_patched({"metrics": five_comparisons({"feedback_rate"}), "score": 100})
	want := score_message("80", "80.0001")
	messages(denials_with(attestations, {"min_score": 80.0001})) == {want}
}

test_the_score_is_the_policys_not_the_records if {
	# Both claim a pass and the record a score of 100: the policy finds three of five within tolerance.
	attestations := predicate_patched({"metrics": five_comparisons({"feedback_rate", "latency_p99"}), "score": 100})
	messages(denials(attestations)) == {score_message("60", "80")}
}

test_a_record_without_comparisons_has_no_score if {
	# Nothing to score (the thresholds package reports every metric missing).
	count(denials(predicate_patched({"metrics": []}))) == 0
}

test_a_canary_is_not_judged_for_a_stage_that_does_not_require_it if {
	# A broken canary in the store neither blocks nor helps staging.
	broken := predicate_patched({"step": 15, "trafficShare": 0.9})

	# regal ignore:with-outside-test-context
	staging := canary.deny with input as f.request("staging", broken)
		with data.gatehouse as f.gatehouse_data
	count(staging) == 0
	codes(denials(broken)) == {"canary_step_mismatch", "canary_traffic_share"}
}

# A canary of the same model that failed three minutes before the honest one, after the approvals.
failed_canary := object.union(honest, {
	"id": "sha256:canary-failed",
	"evaluated_at_ms": honest.evaluated_at_ms - 180000,
	"window_ms": {"start": honest.window_ms.start - 180000, "end": honest.window_ms.end - 180000},
	"predicate": object.union(honest.predicate, {"verdict": "fail", "reasons": ["error_rate rose"]}),
})

test_a_canary_failed_since_the_approval_stands_against_a_later_pass if {
	codes(denials(array.concat(f.chain, [failed_canary]))) == {"canary_failed"}
}

test_a_canary_failed_before_the_approval_does_not if {
	# It ended before the approvals were given (ten minutes before the decision): approved again since.
	earlier := object.union(failed_canary, {
		"evaluated_at_ms": f.now_ms - 650000,
		"window_ms": {"start": f.now_ms - 2500000, "end": f.now_ms - 700000},
	})
	count(denials(array.concat(f.chain, [earlier]))) == 0
}

test_a_canary_failed_in_a_window_ending_at_the_approval_does_not if {
	# Its traffic all came before the approvals: they were given after it failed.
	at_approval := object.union(failed_canary, {
		"evaluated_at_ms": approval_ms + 60000,
		"window_ms": {"start": approval_ms - 1800000, "end": approval_ms},
	})
	count(denials(array.concat(f.chain, [at_approval]))) == 0
}

test_no_event_count_is_none_served if {
	# Policy data asks one event of each arm; a record that counts none has served none.
	ds := denials_with(metric_patched("error_rate", {"events": null}), {"metrics": {"error_rate": {"min_events": 1}}})
	messages(ds) == {concat("", [
		"canary: error_rate has 30 canary and 30 baseline samples over 1 of the window, from null canary and ",
		"null baseline events (policy needs 20 samples each over 0.9 of it, and 1 events)",
	])}
}

# The fixture's policy data with no min_events for latency_p99.
no_min_events := json.remove(f.gatehouse_data, ["thresholds/canary/metrics/latency_p99/min_events"])

test_a_metric_data_sets_no_event_minimum_for_needs_none if {
	ds := canary.deny with input as f.request("production", metric_patched("latency_p99", {"events": null}))
		with data.gatehouse as no_min_events
	count(ds) == 0
}

test_data_short_without_an_event_minimum_says_zero_events if {
	short := metric_patched("latency_p99", {"n": {"canary": 19, "baseline": 30}})
	ds := canary.deny with input as f.request("production", short) with data.gatehouse as no_min_events
	messages(ds) == {concat("", [
		"canary: latency_p99 has 19 canary and 30 baseline samples over 1 of the window, from 5000 canary and ",
		"5000 baseline events (policy needs 20 samples each over 0.9 of it, and 0 events)",
	])}
}
