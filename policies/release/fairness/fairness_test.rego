package release.fairness_test

import data.lib.fixtures_test as f
import data.release.fairness

# A request whose bias predicate is changed by patch.
request(patch) := f.request("production", f.predicate_patched("bias", patch))

# Policy data that also sets a minimum parity ratio.
with_ratio := json.patch(f.gatehouse_data, [{
	"op": "add",
	"path": "/thresholds/bias/metrics/demographic_parity_ratio",
	"value": 0.8,
}])

metric(name, value, low, high) := {
	"name": name, "value": value,
	"ci": {"low": low, "high": high, "level": 0.95}, "verdict": "pass",
}

gap(value, low, high) := metric("demographic_parity_difference", value, low, high)

ratio(value, low, high) := metric("demographic_parity_ratio", value, low, high)

fair_gap := gap(0.01, 0.0, 0.03)

test_fair_model_allowed if {
	count(fairness.deny) == 0 with input as request({}) with data.gatehouse as f.gatehouse_data
}

test_missing_metric_denied if {
	denials := fairness.deny with input as request({"metrics": []}) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == ["bias: no figure for demographic_parity_difference, which policy requires"]
}

test_gap_wholly_above_maximum_denied if {
	denials := fairness.deny with input as request({"metrics": [gap(0.07, 0.06, 0.09)]})
		with data.gatehouse as f.gatehouse_data
	expected := "bias: demographic_parity_difference is 0.07 (interval 0.06 to 0.09); policy allows at most 0.05"
	[v.msg | some v in denials] == [expected]
}

test_gap_straddling_maximum_denied if {
	denials := fairness.deny with input as request({"metrics": [gap(0.04, 0.02, 0.08)]})
		with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["fairness_gap_above_threshold"]
}

test_gap_reaching_exactly_the_maximum_allowed if {
	count(fairness.deny) == 0 with input as request({"metrics": [gap(0.03, 0.01, 0.05)]})
		with data.gatehouse as f.gatehouse_data
	denials := fairness.deny with input as request({"metrics": [gap(0.03, 0.01, 0.0500001)]})
		with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["fairness_gap_above_threshold"]
}

test_gap_without_interval_denied if {
	patch := {"metrics": [{"name": "demographic_parity_difference", "value": 0.01}]}
	denials := fairness.deny with input as request(patch) with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["fairness_gap_above_threshold", "fairness_interval_malformed"]
}

test_metric_reported_twice_judged_on_its_worst_figure if {
	expected := ["bias: demographic_parity_difference is 0.04 (interval 0.02 to 0.08); policy allows at most 0.05"]
	first := fairness.deny with input as request({"metrics": [fair_gap, gap(0.04, 0.02, 0.08)]})
		with data.gatehouse as f.gatehouse_data
	[v.msg | some v in first] == expected
	last := fairness.deny with input as request({"metrics": [gap(0.04, 0.02, 0.08), fair_gap]})
		with data.gatehouse as f.gatehouse_data
	[v.msg | some v in last] == expected
}

test_parity_ratio_is_a_minimum if {
	# A fair model: ratio 0.95 (0.9 to 1) against a minimum of 0.8 is allowed.
	count(fairness.deny) == 0 with input as request({"metrics": [fair_gap, ratio(0.95, 0.9, 1)]})
		with data.gatehouse as with_ratio

	# A low ratio, 0.2 (0.1 to 0.3), is denied; judged as a maximum it would pass.
	denials := fairness.deny with input as request({"metrics": [fair_gap, ratio(0.2, 0.1, 0.3)]})
		with data.gatehouse as with_ratio
	expected := "bias: demographic_parity_ratio is 0.2 (interval 0.1 to 0.3); policy requires at least 0.8"
	[v.msg | some v in denials] == [expected]
}

test_parity_ratio_straddling_minimum_denied if {
	denials := fairness.deny with input as request({"metrics": [fair_gap, ratio(0.85, 0.75, 0.9)]})
		with data.gatehouse as with_ratio
	[v.code | some v in denials] == ["fairness_ratio_below_threshold"]
	count(fairness.deny) == 0 with input as request({"metrics": [fair_gap, ratio(0.85, 0.8, 0.9)]})
		with data.gatehouse as with_ratio
}

test_parity_ratio_without_interval_denied if {
	patch := {"metrics": [fair_gap, {"name": "demographic_parity_ratio", "value": 0.9}]}
	denials := fairness.deny with input as request(patch) with data.gatehouse as with_ratio
	[v.code | some v in denials] == ["fairness_interval_malformed", "fairness_ratio_below_threshold"]
}

test_metric_without_figures_is_judged_at_its_worst_and_says_what_is_missing if {
	bare := {"metrics": [
		{"name": "demographic_parity_difference", "ci": {}},
		{"name": "demographic_parity_ratio", "ci": {}},
	]}
	denials := fairness.deny with input as request(bare) with data.gatehouse as with_ratio
	[v.msg | some v in denials] == [
		"bias: demographic_parity_difference is none (interval none to 2); policy allows at most 0.05",
		concat("", [
			"bias: demographic_parity_difference is none with interval none to none at level none; ",
			"policy requires an interval containing the estimate at level 0.95",
		]),
		concat("", [
			"bias: demographic_parity_ratio is none with interval none to none at level none; ",
			"policy requires an interval containing the estimate at level 0.95",
		]),
		"bias: demographic_parity_ratio is none (interval -1 to none); policy requires at least 0.8",
	]
}

test_interval_must_contain_its_estimate if {
	above := fairness.deny with input as request({"metrics": [gap(0.04, 0.0, 0.03)]})
		with data.gatehouse as f.gatehouse_data
	[v.msg | some v in above] == [concat("", [
		"bias: demographic_parity_difference is 0.04 with interval 0 to 0.03 at level 0.95; ",
		"policy requires an interval containing the estimate at level 0.95",
	])]
	below := fairness.deny with input as request({"metrics": [gap(0.0, 0.01, 0.03)]})
		with data.gatehouse as f.gatehouse_data
	[v.code | some v in below] == ["fairness_interval_malformed"]
}

test_estimate_on_an_interval_end_is_contained if {
	count(fairness.deny) == 0 with input as request({"metrics": [gap(0.0, 0.0, 0.03)]})
		with data.gatehouse as f.gatehouse_data
	count(fairness.deny) == 0 with input as request({"metrics": [gap(0.03, 0.0, 0.03)]})
		with data.gatehouse as f.gatehouse_data
}

test_interval_must_be_at_the_required_level if {
	at_90 := {"metrics": [object.union(fair_gap, {"ci": {"level": 0.9}})]}
	denials := fairness.deny with input as request(at_90) with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["fairness_interval_malformed"]
	count(fairness.deny) == 0 with input as request(at_90)
		with data.gatehouse as object.union(f.gatehouse_data, {"level": 0.9})
	no_level := {"metrics": [{"name": "demographic_parity_difference", "value": 0.01, "ci": {"low": 0.0, "high": 0.03}}]}
	unlevelled := fairness.deny with input as request(no_level) with data.gatehouse as f.gatehouse_data
	[v.code | some v in unlevelled] == ["fairness_interval_malformed"]
}

test_every_group_must_reach_the_minimum_size if {
	small := fairness.deny with input as request({"groups": [{"name": "f", "n": 99}, {"name": "m", "n": 901}]})
		with data.gatehouse as f.gatehouse_data
	[v.msg | some v in small] == ["bias: group f has 99 members; policy requires at least 100"]
	count(fairness.deny) == 0 with input as request({"groups": [{"name": "f", "n": 100}, {"name": "m", "n": 900}]})
		with data.gatehouse as f.gatehouse_data
}

test_minimum_group_size_from_data_defaults_to_100 if {
	without := json.remove(f.gatehouse_data, ["/thresholds/bias/min_group_size"])
	small := fairness.deny with input as request({"groups": [{"name": "f", "n": 99}, {"name": "m", "n": 901}]})
		with data.gatehouse as without
	[v.code | some v in small] == ["fairness_group_too_small"]
	stricter := json.patch(f.gatehouse_data, [{"op": "replace", "path": "/thresholds/bias/min_group_size", "value": 500}])
	denials := fairness.deny with input as request({}) with data.gatehouse as stricter
	[v.code | some v in denials] == ["fairness_group_too_small"]
}

test_operating_point_must_be_the_policys if {
	other := fairness.deny with input as request({"scoreThreshold": 0.3}) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in other] == ["bias: decisions at score threshold 0.3; policy sets 0.5"]
	without := json.remove(f.gatehouse_data, ["/thresholds/bias/score_threshold"])
	count(fairness.deny) == 0 with input as request({}) with data.gatehouse as without
	record := f.record("bias", "bias-gate")
	predicate := object.remove(record.predicate, ["scoreThreshold"])
	unrecorded := object.union(object.remove(record, ["predicate"]), {"predicate": predicate})
	missing := fairness.deny with input as f.request("production", f.with_records("bias", [unrecorded]))
		with data.gatehouse as f.gatehouse_data
	[v.code | some v in missing] == ["fairness_operating_point"]
}

test_every_dataset_row_must_be_answered if {
	patch := {"answered": 900, "groups": [{"name": "f", "n": 400}, {"name": "m", "n": 500}]}
	unanswered := fairness.deny with input as request(patch) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in unanswered] == ["bias: 900 of 1000 dataset rows answered, 900 in groups"]
	uncounted := fairness.deny with input as request({"groups": [{"name": "f", "n": 400}, {"name": "m", "n": 500}]})
		with data.gatehouse as f.gatehouse_data
	[v.code | some v in uncounted] == ["fairness_rows_unanswered"]
}

test_counterfactual_flip_rate_judged_on_its_upper_bound if {
	flips := json.patch(f.gatehouse_data, [{
		"op": "add",
		"path": "/thresholds/bias/metrics/counterfactual_flip_rate",
		"value": 0.02,
	}])
	within := metric("counterfactual_flip_rate", 0.005, 0.001, 0.015)
	count(fairness.deny) == 0 with input as request({"metrics": [fair_gap, within]}) with data.gatehouse as flips
	straddling := metric("counterfactual_flip_rate", 0.01, 0.004, 0.03)
	above := fairness.deny with input as request({"metrics": [fair_gap, straddling]}) with data.gatehouse as flips
	[v.code | some v in above] == ["fairness_gap_above_threshold"]
	missing := fairness.deny with input as request({"metrics": [fair_gap]}) with data.gatehouse as flips
	[v.code | some v in missing] == ["fairness_metric_missing"]
}

# A request whose bias record lacks the predicate fields at these paths.
without_fields(paths) := f.request("production", f.with_records("bias", [json.remove(
	f.record("bias", "bias-gate"),
	[concat("/", ["predicate", path]) | some path in paths],
)]))

test_rows_and_answers_not_recorded_say_so if {
	no_rows := fairness.deny with input as without_fields(["dataset/rows"]) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in no_rows] == ["bias: 1000 of none dataset rows answered, 1000 in groups"]
	no_answers := fairness.deny with input as without_fields(["answered"]) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in no_answers] == ["bias: none of 1000 dataset rows answered, 1000 in groups"]
}

test_operating_point_not_recorded_says_so if {
	denials := fairness.deny with input as without_fields(["scoreThreshold"]) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == ["bias: decisions at score threshold none; policy sets 0.5"]
}
