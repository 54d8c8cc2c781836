# METADATA
# title: Thresholds
# description: >-
#   The policy re-judges each gate's figures against the thresholds in policy
#   data, whatever thresholds the gate itself used, so a gate run with looser
#   settings cannot pass a model the policy would not.
package release.thresholds

import data.lib

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

# METADATA
# title: Metric missing
# description: Policy data sets a threshold for a metric the gate did not report.
# custom:
#   short_name: metric_missing
#   failure_msg: "%s: no figure for metric %s, which policy requires"
deny contains result if {
	some gate in lib.comparison_gates
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
	some gate in lib.comparison_gates
	some record in lib.evidence[gate]
	some name, limit in lib.thresholds(gate).metrics
	some m in metric_entries(record, name)
	not within_tolerance(m, limit)
	figures := [lib.format_number(x) | some x in [m.delta, m.ci.low, m.ci.high, limit.tolerance]]
	params := [gate, name, figures[0], figures[1], figures[2], figures[3], limit.direction]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}
