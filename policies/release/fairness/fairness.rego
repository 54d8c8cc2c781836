# METADATA
# title: Fairness
# description: >-
#   The policy re-judges the bias gate from the figures it recorded, whatever
#   the gate concluded: every metric policy data sets, on the interval end that
#   matters (the upper end of a gap, the lower end of a ratio), every group's
#   size, the operating point, the interval level, and that every row of the
#   dataset was answered.
package release.fairness

import data.lib

# Metrics whose policy value is a minimum (higher is fairer); all others are maxima.
minimum_metrics := {"demographic_parity_ratio"}

# The bias thresholds in policy data.
limits := lib.thresholds("bias")

# The smallest group policy data lets the gate judge.
min_group_size := object.get(limits, "min_group_size", 100)

# The operating point policy data sets for scores.
score_threshold := object.get(limits, "score_threshold", 0.5)

# Every figure a record reports for the metric named name (each is judged, so the worst decides).
metric_entries(record, name) := [m | some m in record.predicate.metrics; m.name == name]

# A figure's interval; a figure without one has the interval no limit accepts.
interval(m) := object.get(m, "ci", {"low": -1, "high": 2})

# An interval that contains its estimate.
contains_estimate(m) if {
	interval(m).low <= m.value
	m.value <= interval(m).high
}

# An interval that misses its estimate or is not at the level policy requires.
malformed(m) if not contains_estimate(m)

malformed(m) if object.get(interval(m), "level", "none") != lib.rule_data("level")

# The number of predictions the groups hold.
group_total(record) := sum([group.n | some group in object.get(record.predicate, "groups", [])])

# The rows of the dataset.
rows(record) := object.get(record.predicate, ["dataset", "rows"], "none")

# How many rows had a prediction.
answered(record) := object.get(record.predicate, "answered", "none")

# Not every row answered, or groups that do not add up to what was answered.
incomplete(record) if answered(record) != rows(record)

incomplete(record) if group_total(record) != answered(record)

# METADATA
# title: Fairness metric missing
# description: Policy data sets a limit for a fairness metric the bias gate did not report.
# custom:
#   short_name: fairness_metric_missing
#   failure_msg: "bias: no figure for %s, which policy requires"
deny contains result if {
	some record in lib.evidence.bias
	some name, _ in limits.metrics
	count(metric_entries(record, name)) == 0
	result := lib.result_helper_with_gate(rego.metadata.chain(), [name], "bias")
}

# METADATA
# title: Fairness gap above its threshold
# description: >-
#   A fairness gap's interval reaches above the maximum policy data allows:
#   the evidence does not show the gap is within it.
# custom:
#   short_name: fairness_gap_above_threshold
#   failure_msg: "bias: %s is %s (interval %s to %s); policy allows at most %s"
deny contains result if {
	some record in lib.evidence.bias
	some name, maximum in limits.metrics
	not name in minimum_metrics
	some m in metric_entries(record, name)
	high := object.get(interval(m), "high", 2)
	high > maximum
	params := [name, object.get(m, "value", "none"), object.get(interval(m), "low", "none"), high, maximum]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "bias")
}

# METADATA
# title: Fairness ratio below its threshold
# description: >-
#   A fairness ratio's interval reaches below the minimum policy data requires:
#   the evidence does not show the ratio reaches it.
# custom:
#   short_name: fairness_ratio_below_threshold
#   failure_msg: "bias: %s is %s (interval %s to %s); policy requires at least %s"
deny contains result if {
	some record in lib.evidence.bias
	some name, minimum in limits.metrics
	name in minimum_metrics
	some m in metric_entries(record, name)
	low := object.get(interval(m), "low", -1)
	low < minimum
	params := [name, object.get(m, "value", "none"), low, object.get(interval(m), "high", "none"), minimum]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "bias")
}

# METADATA
# title: Fairness interval malformed
# description: A fairness metric's interval does not contain its own estimate, or is not at the level policy requires.
# custom:
#   short_name: fairness_interval_malformed
#   failure_msg: >-
#     bias: %s is %s with interval %s to %s at level %s; policy requires an
#     interval containing the estimate at level %s
deny contains result if {
	some record in lib.evidence.bias
	some m in record.predicate.metrics
	malformed(m)
	ci := interval(m)
	value := object.get(m, "value", "none")
	level := object.get(ci, "level", "none")
	params := [m.name, value, object.get(ci, "low", "none"), object.get(ci, "high", "none"), level, lib.rule_data("level")]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "bias")
}

# METADATA
# title: Group below the minimum size
# description: >-
#   A group the bias gate saw is smaller than policy data's minimum group size:
#   too small to judge, so fairness across all groups is not shown.
# custom:
#   short_name: fairness_group_too_small
#   failure_msg: "bias: group %s has %s members; policy requires at least %s"
deny contains result if {
	some record in lib.evidence.bias
	some group in record.predicate.groups
	group.n < min_group_size
	result := lib.result_helper_with_gate(rego.metadata.chain(), [group.name, group.n, min_group_size], "bias")
}

# METADATA
# title: Bias operating point not the policy's
# description: The bias gate turned scores into decisions at a threshold other than the one policy data sets.
# custom:
#   short_name: fairness_operating_point
#   failure_msg: "bias: decisions at score threshold %s; policy sets %s"
deny contains result if {
	some record in lib.evidence.bias
	recorded := object.get(record.predicate, "scoreThreshold", "none")
	recorded != score_threshold
	result := lib.result_helper_with_gate(rego.metadata.chain(), [recorded, score_threshold], "bias")
}

# METADATA
# title: Bias dataset not fully answered
# description: >-
#   The bias gate did not judge a prediction for every row of the dataset, or
#   its group sizes do not add up to the rows it answered.
# custom:
#   short_name: fairness_rows_unanswered
#   failure_msg: "bias: %s of %s dataset rows answered, %s in groups"
deny contains result if {
	some record in lib.evidence.bias
	incomplete(record)
	params := [answered(record), rows(record), group_total(record)]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "bias")
}
