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
	attestations := f.predicate_patched("canary", {"metrics": []})
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
