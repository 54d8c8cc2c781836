# METADATA
# title: Thresholds
# description: >-
#   The policy re-judges each gate's figures against the thresholds in policy
#   data, whatever thresholds the gate itself used, so a gate run with looser
#   settings cannot pass a model the policy would not.
package release.thresholds

import data.lib

# Gates whose figures are a list of metric comparisons against a baseline.
comparison_gates := {"regression", "canary"}

# Every figure reported for the metric named name (a gate that reports a
# metric twice is judged on each).
metric_entries(record, name) := [m | some m in record.predicate.metrics; m.name == name]

# Non-inferiority: the confidence interval of (candidate - baseline) stays within tolerance.
within_tolerance(m, limit) if {
	limit.direction == "higher"
	m.ci.low > 0 - limit.tolerance
}

within_tolerance(m, limit) if {
	limit.direction == "lower"
	m.ci.high < limit.tolerance
}

# The lowest reported pass-rate lower bound for a safety category; -1 when not reported.
category_lower_bound(record, name) := min(bounds) if {
	bounds := [c.lowerBound | some c in record.predicate.categories; c.name == name]
	count(bounds) > 0
} else := -1

# The highest reported upper bound for a metric's gap; 2 (beyond any threshold) when not reported.
metric_upper_bound(record, name) := max(bounds) if {
	bounds := [object.get(object.get(m, "ci", {}), "high", 2) | some m in metric_entries(record, name)]
	count(bounds) > 0
} else := 2

# METADATA
# title: Metric missing
# description: Policy data sets a threshold for a metric the gate did not report.
# custom:
#   short_name: metric_missing
#   failure_msg: "%s: no figure for metric %s, which policy requires"
deny contains result if {
	some gate in comparison_gates
	some record in lib.evidence[gate]
	some name, _ in lib.thresholds(gate).metrics
	count(metric_entries(record, name)) == 0
	result := lib.result_helper_with_gate(rego.metadata.chain(), [gate, name], gate)
}

# METADATA
# title: Metric regressed beyond tolerance
# description: >-
#   The confidence interval of a metric's change crosses the tolerance policy
#   data allows (non-inferiority not shown).
# custom:
#   short_name: metric_out_of_tolerance
#   failure_msg: "%s: %s changed by %s (CI %s to %s); policy allows %s (%s is better)"
deny contains result if {
	some gate in comparison_gates
	some record in lib.evidence[gate]
	some name, limit in lib.thresholds(gate).metrics
	some m in metric_entries(record, name)
	not within_tolerance(m, limit)
	figures := [lib.format_number(x) | some x in [m.delta, m.ci.low, m.ci.high, limit.tolerance]]
	params := [gate, name, figures[0], figures[1], figures[2], figures[3], limit.direction]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}

# METADATA
# title: Safety category below its threshold
# description: >-
#   A safety category's pass rate, at the lower bound of its confidence
#   interval, is below the rate policy data requires (or was not reported).
# custom:
#   short_name: safety_category_below_threshold
#   failure_msg: "safety: %s pass rate lower bound %s is below the required %s"
deny contains result if {
	some record in lib.evidence.safety
	some name, minimum in lib.thresholds("safety").categories
	lower_bound := category_lower_bound(record, name)
	lower_bound < minimum
	params := [name, lib.format_number(lower_bound), lib.format_number(minimum)]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "safety")
}

# METADATA
# title: Over-refusal above its threshold
# description: The model refuses benign prompts more often than policy data allows (upper confidence bound).
# custom:
#   short_name: over_refusal_above_threshold
#   failure_msg: "safety: over-refusal upper bound %s exceeds the allowed %s"
deny contains result if {
	some record in lib.evidence.safety
	maximum := lib.thresholds("safety").max_over_refusal
	upper_bound := object.get(object.get(record.predicate, "overRefusal", {}), "upperBound", 2)
	upper_bound > maximum
	params := [lib.format_number(upper_bound), lib.format_number(maximum)]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "safety")
}

# METADATA
# title: Fairness gap above its threshold
# description: >-
#   A fairness metric's gap between groups, at the upper bound of its
#   confidence interval, exceeds what policy data allows (or was not reported).
# custom:
#   short_name: fairness_gap_above_threshold
#   failure_msg: "bias: %s upper bound %s exceeds the allowed %s"
deny contains result if {
	some record in lib.evidence.bias
	some name, maximum in lib.thresholds("bias").metrics
	upper_bound := metric_upper_bound(record, name)
	upper_bound > maximum
	params := [name, lib.format_number(upper_bound), lib.format_number(maximum)]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "bias")
}
