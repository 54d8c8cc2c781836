package release.thresholds_test

import data.lib.fixtures_test as f
import data.release.thresholds

test_thresholds_met if {
	count(thresholds.deny) == 0 with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
}

test_accuracy_regressed_beyond_tolerance if {
	metrics := [
		{"name": "accuracy", "delta": -0.015, "ci": {"low": -0.02, "high": -0.01, "level": 0.95}},
		{"name": "latency_p99", "delta": 0.01, "ci": {"low": -0.02, "high": 0.04, "level": 0.95}},
	]
	attestations := f.predicate_patched("regression", {"metrics": metrics})
	denials := thresholds.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	expected := "regression: accuracy changed by -0.015 (CI -0.02 to -0.01); policy allows 0.01 (higher is better)"
	[v.msg | some v in denials] == [expected]
}

test_tail_latency_regressed if {
	metrics := [
		{"name": "accuracy", "delta": 0.0, "ci": {"low": -0.001, "high": 0.001, "level": 0.95}},
		{"name": "latency_p99", "delta": 0.3, "ci": {"low": 0.2, "high": 0.4, "level": 0.95}},
	]
	attestations := f.predicate_patched("regression", {"metrics": metrics})
	denials := thresholds.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["metric_out_of_tolerance"]
}

test_metric_missing if {
	metrics := [f.canary_metric(name) | some name in f.canary_metric_names; name != "error_rate"]
	attestations := f.predicate_patched("canary", {"metrics": metrics})
	denials := thresholds.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == ["canary: no figure for metric error_rate, which policy requires"]
}

test_duplicate_figures_cannot_hide_a_regression if {
	metrics := [
		{"name": "accuracy", "delta": 0.0, "ci": {"low": -0.001, "high": 0.001, "level": 0.95}},
		{"name": "accuracy", "delta": -0.05, "ci": {"low": -0.06, "high": -0.04, "level": 0.95}},
		{"name": "latency_p99", "delta": 0.0, "ci": {"low": -0.01, "high": 0.01, "level": 0.95}},
	]
	attestations := f.predicate_patched("regression", {"metrics": metrics})
	denials := thresholds.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["metric_out_of_tolerance"]
}

# The canary's error rate (critical; relative, half the baseline, at least
# 0.002) and its other metrics as the fixture has them.
error_rate_limit := f.canary_settings.metrics.error_rate

# The chain with the canary's metric named name changed by patch.
canary_metric_patched(name, patch) := f.predicate_patched("canary", {"metrics": [m |
	some other in f.record("canary", "canary-gate").predicate.metrics
	m := canary_metric_with(other, name, patch)
]})

canary_metric_with(m, name, patch) := object.union(m, patch) if m.name == name

else := m

canary_denials(name, patch) := ds if {
	# regal ignore:with-outside-test-context
	ds := thresholds.deny with input as f.request("production", canary_metric_patched(name, patch))
		with data.gatehouse as f.gatehouse_data
}

test_a_relative_tolerance_is_a_share_of_the_baseline_at_least_the_floor if {
	thresholds.allowed_change({"baseline": 0.01}, error_rate_limit) == 0.005
	thresholds.allowed_change({"baseline": -0.01}, error_rate_limit) == 0.005
	thresholds.allowed_change({"baseline": 0.001}, error_rate_limit) == 0.002
	thresholds.allowed_change({"baseline": 0}, error_rate_limit) == 0.002
	thresholds.allowed_change({"baseline": 0}, object.remove(error_rate_limit, ["floor"])) == 0
}

test_a_relative_tolerance_without_a_baseline_allows_nothing if {
	not thresholds.allowed_change({"baseline": null}, error_rate_limit)
	not thresholds.allowed_change({}, error_rate_limit)
	not thresholds.within_tolerance({"baseline": null, "ci": {"low": -1, "high": -1}}, error_rate_limit)
}

test_an_absolute_tolerance_is_the_tolerance_itself if {
	thresholds.allowed_change({"baseline": 100}, f.canary_settings.metrics.queue_depth) == 5
	thresholds.allowed_change({}, {"direction": "higher", "tolerance": 0.01}) == 0.01
}

test_a_relative_change_within_the_floor_passes if {
	# Half of 0.001 is below the floor: 0.002 is allowed, an upper bound of 0.0019 is within it.
	figures := {"baseline": 0.001, "delta": 0.001, "ci": {"low": 0, "high": 0.0019, "level": 0.95}}
	count(canary_denials("error_rate", figures)) == 0
}

test_a_relative_change_at_the_floor_denies if {
	figures := {"baseline": 0.001, "delta": 0.001, "ci": {"low": 0, "high": 0.002, "level": 0.95}}
	want := "canary: error_rate changed by 0.001 (CI 0 to 0.002); policy allows 0.002 (lower is better)"
	[v.msg | some v in canary_denials("error_rate", figures)] == [want]
}

test_a_relative_change_without_a_baseline_denies if {
	want := "canary: error_rate changed by 0.0001 (CI -0.0004 to 0.0006); policy allows none (lower is better)"
	[v.msg | some v in canary_denials("error_rate", {"baseline": null})] == [want]
	missing := json.remove(f.record("canary", "canary-gate"), ["predicate/metrics/0/baseline"])
	ds := thresholds.deny with input as f.request("production", f.with_records("canary", [missing]))
		with data.gatehouse as f.gatehouse_data
	[v.code | some v in ds] == ["metric_out_of_tolerance"]
}

test_a_metric_that_is_not_critical_does_not_veto if {
	# latency_p99 (not critical) far beyond its 10% of 0.8: it counts towards the canary's score instead.
	figures := {"delta": 0.25, "ci": {"low": 0.2, "high": 0.3, "level": 0.95}}
	count(canary_denials("latency_p99", figures)) == 0
}

test_a_critical_metric_vetoes if {
	figures := {"delta": 0.0025, "ci": {"low": 0.0021, "high": 0.003, "level": 0.95}}
	want := "canary: error_rate changed by 0.0025 (CI 0.0021 to 0.003); policy allows 0.002 (lower is better)"
	[v.msg | some v in canary_denials("error_rate", figures)] == [want]
}
