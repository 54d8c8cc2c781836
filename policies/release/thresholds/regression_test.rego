package release.thresholds_test

import data.lib.fixtures_test as f
import data.release.thresholds

# The production request with the regression predicate changed by patch.
req(patch) := f.request("production", f.predicate_patched("regression", patch))

codes(denials) := sort([v.code | some v in denials])

msgs(denials) := [v.msg | some v in denials]

# The fixture's regression metrics, each at the required level.
accuracy(low, delta, high) := {"name": "accuracy", "delta": delta, "ci": {"low": low, "high": high, "level": 0.95}}

latency(low, delta, high) := {"name": "latency_p99", "delta": delta, "ci": {"low": low, "high": high, "level": 0.95}}

good_latency := latency(-0.02, 0.01, 0.04)

good_accuracy := accuracy(-0.002, 0.004, 0.01)

# A judged slice (n >= 30); with two of them each must be at 1 - 0.05 / 2.
judged_slice(name, low, delta, high) := {
	"name": name, "metric": "accuracy", "n": 400, "delta": delta,
	"ci": {"low": low, "high": high, "level": 0.975}, "tolerance": 0.01,
	"pValue": 0.001, "qValue": 0.002, "verdict": "pass",
}

slice_a := judged_slice("capability:a", -0.005, 0.01, 0.03)

small_slice := {"name": "slice:rare", "metric": "accuracy", "n": 12, "delta": -0.4}

slices(second) := {"slices": [slice_a, second, small_slice]}

test_unmodified_regression_record_passes if {
	d1 := thresholds.deny with input as req({}) with data.gatehouse as f.gatehouse_data
	d1 == set()
	d2 := thresholds.deny with input as req(slices(judged_slice("capability:b", 0.0, 0.02, 0.04)))
		with data.gatehouse as f.gatehouse_data
	d2 == set()
}

test_higher_is_better_judged_on_its_low_end if {
	# A CI of (-0.05, 0.02) around a tolerance of 0.01 shows nothing: denied, whatever its high end.
	wide := {"metrics": [accuracy(-0.05, -0.015, 0.02), good_latency]}
	d1 := thresholds.deny with input as req(wide) with data.gatehouse as f.gatehouse_data
	codes(d1) == ["metric_out_of_tolerance"]

	# Exactly at the tolerance is not within it; just inside is.
	at := {"metrics": [accuracy(-0.01, 0.0, 0.02), good_latency]}
	d2 := thresholds.deny with input as req(at) with data.gatehouse as f.gatehouse_data
	codes(d2) == ["metric_out_of_tolerance"]
	inside := {"metrics": [accuracy(-0.0099, 0.0, 0.02), good_latency]}
	d3 := thresholds.deny with input as req(inside) with data.gatehouse as f.gatehouse_data
	d3 == set()
}

test_lower_is_better_interval_straddling_the_tolerance if {
	straddling := {"metrics": [good_accuracy, latency(0.05, 0.09, 0.15)]}
	d1 := thresholds.deny with input as req(straddling) with data.gatehouse as f.gatehouse_data
	codes(d1) == ["metric_out_of_tolerance"]
	at := {"metrics": [good_accuracy, latency(0.05, 0.07, 0.1)]}
	d2 := thresholds.deny with input as req(at) with data.gatehouse as f.gatehouse_data
	codes(d2) == ["metric_out_of_tolerance"]
	inside := {"metrics": [good_accuracy, latency(0.05, 0.07, 0.0999)]}
	d3 := thresholds.deny with input as req(inside) with data.gatehouse as f.gatehouse_data
	d3 == set()
}

test_interval_must_contain_its_estimate if {
	above := {"metrics": [accuracy(-0.002, 0.02, 0.01), good_latency]}
	d1 := thresholds.deny with input as req(above) with data.gatehouse as f.gatehouse_data
	msgs(d1) == ["regression: accuracy interval -0.002 to 0.01 does not contain its change 0.02"]
	below := {"metrics": [accuracy(-0.002, -0.003, 0.01), good_latency]}
	d2 := thresholds.deny with input as req(below) with data.gatehouse as f.gatehouse_data
	codes(d2) == ["interval_malformed"]
}

test_estimate_on_an_interval_end_is_contained if {
	# A binary metric with no discordant pairs has its change on an end of the interval.
	on_low := {"metrics": [accuracy(0.0, 0.0, 0.01), good_latency]}
	thresholds.deny == set() with input as req(on_low) with data.gatehouse as f.gatehouse_data
	on_high := {"metrics": [accuracy(-0.005, 0.01, 0.01), good_latency]}
	thresholds.deny == set() with input as req(on_high) with data.gatehouse as f.gatehouse_data
}

test_interval_level_comes_from_data if {
	narrow := {"name": "accuracy", "delta": 0.004, "ci": {"low": -0.002, "high": 0.01, "level": 0.5}}
	d1 := thresholds.deny with input as req({"metrics": [narrow, good_latency]}) with data.gatehouse as f.gatehouse_data
	msgs(d1) == ["regression: accuracy interval is at level 0.5; policy requires 0.95"]

	unlabelled := {"name": "accuracy", "delta": 0.004, "ci": {"low": -0.002, "high": 0.01}}
	d2 := thresholds.deny with input as req({"metrics": [unlabelled, good_latency]})
		with data.gatehouse as f.gatehouse_data
	codes(d2) == ["interval_level_wrong"]

	# Data may require another level.
	stricter := json.patch(f.gatehouse_data, [{"op": "add", "path": "/thresholds/regression/level", "value": 0.99}])
	d3 := thresholds.deny with input as f.request("production", f.chain) with data.gatehouse as stricter
	codes(d3) == ["interval_level_wrong", "interval_level_wrong"]
}

run(runs) := {"name": "throughput", "delta": 0.01, "ci": {"low": -0.02, "high": 0.04, "level": 0.95}, "runs": runs}

run_metrics(runs) := {"metrics": [good_accuracy, good_latency, run(runs)]}

test_run_level_metrics_need_the_runs_data_requires if {
	d1 := thresholds.deny with input as req(run_metrics({"candidate": 2, "baseline": 2}))
		with data.gatehouse as f.gatehouse_data
	d1 == set()
	d2 := thresholds.deny with input as req(run_metrics({"candidate": 1, "baseline": 5}))
		with data.gatehouse as f.gatehouse_data
	msgs(d2) == ["regression: throughput judged on 1 candidate and 5 baseline runs; policy requires 2 of each"]
	unrecorded := {"metrics": [good_accuracy, good_latency, object.remove(run({}), ["runs"])]}
	d3 := thresholds.deny with input as req(unrecorded) with data.gatehouse as f.gatehouse_data
	codes(d3) == ["run_metric_too_few_runs"]

	three := json.patch(f.gatehouse_data, [{"op": "add", "path": "/thresholds/regression/min_runs", "value": 3}])
	d4 := thresholds.deny with input as req(run_metrics({"candidate": 2, "baseline": 3})) with data.gatehouse as three
	codes(d4) == ["run_metric_too_few_runs"]
}

test_seed_must_be_the_derived_one if {
	d1 := thresholds.deny with input as req({"seed": 42}) with data.gatehouse as f.gatehouse_data
	msgs(d1) == ["regression: bootstrap seed 42 is not the one derived from what was judged (123456789)"]
	d2 := thresholds.deny with input as req({"seed": null}) with data.gatehouse as f.gatehouse_data
	codes(d2) == ["regression_seed_not_derived"]
	d3 := thresholds.deny with input as req({"seed": "123456789"}) with data.gatehouse as f.gatehouse_data
	codes(d3) == ["regression_seed_not_derived"]
}

test_resamples_must_be_what_data_sets if {
	d1 := thresholds.deny with input as req({"resamples": 200}) with data.gatehouse as f.gatehouse_data
	msgs(d1) == ["regression: 200 bootstrap resamples; policy sets 2000"]
	d2 := thresholds.deny with input as req({"resamples": null}) with data.gatehouse as f.gatehouse_data
	codes(d2) == ["regression_resamples_mismatch"]
}

unjudged := {"name": "capability:b", "metric": "accuracy", "n": 30, "delta": 0.0}

test_slice_of_min_size_must_be_judged if {
	d1 := thresholds.deny with input as req(slices(unjudged)) with data.gatehouse as f.gatehouse_data
	codes(d1) == ["slice_not_judged", "slice_out_of_tolerance"]
	expected := "regression: slice capability:b (accuracy, n = 30) has no interval; policy judges slices of 30 or more"
	expected in msgs(d1)

	# Below min_size a slice is not judged, and the Bonferroni m counts only the judged ones:
	# slice_a alone must then be at level 0.95.
	small := object.union(unjudged, {"n": 29})
	d2 := thresholds.deny with input as req(slices(small)) with data.gatehouse as f.gatehouse_data
	codes(d2) == ["slice_interval_invalid"]
}

test_slice_intervals_are_simultaneous if {
	# Two judged tests: each must be at 1 - 0.05 / 2 = 0.975, not the overall 0.95.
	at_95 := {"ci": {"low": 0.0, "high": 0.04, "level": 0.95}}
	unadjusted := object.union(judged_slice("capability:b", 0.0, 0.02, 0.04), at_95)
	d1 := thresholds.deny with input as req(slices(unadjusted)) with data.gatehouse as f.gatehouse_data
	expected := concat(" ", [
		"regression: slice capability:b (accuracy) interval 0 to 0.04 at level 0.95;",
		"policy requires level 0.975 containing the change 0.02",
	])
	msgs(d1) == [expected]

	outside := judged_slice("capability:b", 0.0, 0.05, 0.04)
	d2 := thresholds.deny with input as req(slices(outside)) with data.gatehouse as f.gatehouse_data
	codes(d2) == ["slice_interval_invalid"]
}

test_slice_judged_against_the_slice_tolerance if {
	# Higher is better: the low end of the adjusted interval must stay above -tolerance.
	straddling := judged_slice("capability:b", -0.2, -0.1, 0.02)
	d1 := thresholds.deny with input as req(slices(straddling)) with data.gatehouse as f.gatehouse_data
	expected := concat(" ", [
		"regression: slice capability:b accuracy changed by -0.1 (simultaneous CI -0.2 to 0.02);",
		"policy allows 0.01 (higher is better)",
	])
	msgs(d1) == [expected]

	# Slice tolerances in data replace the metric's tolerance for slices only.
	loose := json.patch(
		f.gatehouse_data,
		[{"op": "add", "path": "/thresholds/regression/slices", "value": {"tolerances": {"accuracy": 0.25}}}],
	)
	d2 := thresholds.deny with input as req(slices(straddling)) with data.gatehouse as loose
	d2 == set()
}
