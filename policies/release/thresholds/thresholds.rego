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

# The change a metric may show in its own unit: the tolerance itself, or, on
# a relative scale, that share of the baseline (at least the floor). A
# relative tolerance without a numeric baseline allows nothing.
allowed_change(_, limit) := limit.tolerance if not limit.scale == "relative"

allowed_change(m, limit) := max({limit.tolerance * abs(m.baseline), object.get(limit, "floor", 0)}) if {
	limit.scale == "relative"
	is_number(m.baseline)
}

# Non-inferiority: the confidence interval of (candidate - baseline) stays within the change allowed.
within_tolerance(m, limit) if {
	limit.direction == "higher"
	m.ci.low > 0 - allowed_change(m, limit)
}

within_tolerance(m, limit) if {
	limit.direction == "lower"
	m.ci.high < allowed_change(m, limit)
}

# The change allowed, for a message; "none" when nothing is allowed for want of a baseline.
shown_allowance(m, limit) := x if x := allowed_change(m, limit)

else := "none"

# A metric that vetoes on its own: every one, unless policy data marks it not
# critical (a canary's non-critical metrics count towards its score instead).
vetoes(limit) if not limit.critical == false

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
	vetoes(limit)
	some m in metric_entries(record, name)
	not within_tolerance(m, limit)
	shown := [m.delta, object.get(m, ["ci", "low"], null), object.get(m, ["ci", "high"], null), shown_allowance(m, limit)]
	figures := [lib.show(x) | some x in shown]
	params := [gate, name, figures[0], figures[1], figures[2], figures[3], limit.direction]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}
