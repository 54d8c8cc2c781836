# METADATA
# title: Canary
# description: >-
#   The policy re-judges the canary from what it recorded: it asked the
#   queries policy data names, at the step data sets, over a window long
#   enough that ended after the approval and before the canary was judged;
#   the canary's share of traffic is within bounds; every metric series has
#   enough aligned samples and events, and an interval at the policy's level;
#   and the comparisons the policy itself finds within tolerance reach the
#   score.
package release.canary

import data.lib

# The canary settings in policy data.
settings := lib.thresholds("canary")

# The canary evidence judged: only where the stage requires the canary (a
# canary that ran for another stage neither helps nor blocks this one).
judged[i] := record if {
	"canary" in lib.required_gates
	some i, record in lib.evidence.canary
}

# The label matcher that selects an arm, as the gate fills {{arm}} in: the
# label's value as a PromQL string (backslash, quote and newline escaped).
# Rules, so each is formatted once per decision rather than once per query.
arm_matchers[arm] := sprintf("%s=\"%s\"", [settings.arms.label, promql_string(settings.arms[arm])]) if some arm in arms

arm_matcher(arm) := arm_matchers[arm]

promql_string(value) := replace(replace(replace(value, `\`, `\\`), `"`, `\"`), "\n", `\n`)

# The step as the gate fills {{step}} in.
step_text := sprintf("%ss", [lib.format_number(settings.step_seconds)])

# A query template as sent for one arm.
expand(template, arm) := replace(replace(template, "{{arm}}", arm_matcher(arm)), "{{step}}", step_text)

# The templates of a metric, in the order the gate sends them.
templates(config) := [config.numerator, config.denominator] if config.kind == "ratio"

else := [config.query]

# The queries policy data makes of a metric for one arm.
expected_queries(config, arm) := [expand(t, arm) | some t in templates(config)]

# The newest approval counted for this decision, or break-glass override
# standing in for approvals, in milliseconds: the canary's traffic follows it.
latest_approval_ms := max(approval_times | override_times)

approval_times contains lib.record_time_ms(r) if some r in lib.evidence.approval

override_times contains lib.record_time_ms(r) if some r in lib.break_glass

# A comparison the policy finds within its tolerance (as the thresholds package judges it).
comparison_passes(m) if {
	limit := settings.metrics[m.name]
	data.release.thresholds.within_tolerance(m, limit)
}

# The per cent of a record's comparisons the policy finds within tolerance.
score(record) := (100 * count(passing)) / count(record.predicate.metrics) if {
	passing := [m | some m in record.predicate.metrics; comparison_passes(m)]
}

# A traffic share within the bounds policy data sets.
share_within(share) if {
	is_number(share)
	share >= settings.traffic_share.min
	share <= settings.traffic_share.max
}

# A metric series with too little data to judge.
short_of_data(m) if m.n.canary < settings.min_samples

short_of_data(m) if m.n.baseline < settings.min_samples

short_of_data(m) if m.coverage < settings.min_coverage

short_of_data(m) if m.ci == null

short_of_data(m) if {
	some arm in arms
	not object.get(m, ["events", arm], 0) >= min_events(m.name)
}

# The fewest events (requests, histogram counts) each arm must have served for
# a metric in the window; a value metric counts none.
min_events(name) := object.get(settings.metrics[name], "min_events", 0) if settings.metrics[name].kind != "value"

# The arms, as the gate names them.
arms := ["canary", "baseline"]

# Each query a canary record asked that policy data's templates do not give,
# as [what it measures, arm, asked, expected]: a metric's, or the traffic's.
unexpected_queries contains [m.name, arm, asked, expected] if {
	some record in judged
	some m in record.predicate.metrics
	some arm in arms
	asked := m.queries[arm]
	expected := expected_queries(object.get(settings.metrics, m.name, {"kind": "value", "query": "(none)"}), arm)
	asked != expected
}

unexpected_queries contains ["traffic", arm, asked, expected] if {
	some record in judged
	some arm in arms
	asked := record.predicate.traffic.queries[arm]
	expected := [expand(settings.traffic, arm)]
	asked != expected
}

# METADATA
# title: Canary window too short
# description: The canary ran for less time than policy data requires.
# custom:
#   short_name: canary_window_short
#   failure_msg: "canary: the window ran %s seconds; policy requires %s"
deny contains result if {
	some record in judged
	ran := (record.window_ms.end - record.window_ms.start) / 1000
	ran < settings.min_window_seconds
	result := lib.result_helper_with_gate(rego.metadata.chain(), [ran, settings.min_window_seconds], "canary")
}

# METADATA
# title: Canary judged before its approval
# description: >-
#   The canary window ended before the newest approval counted for this
#   decision: live traffic is judged only after people approved sending it.
# custom:
#   short_name: canary_before_approval
#   failure_msg: "canary: the window ended at %s, before the approval it follows"
deny contains result if {
	some record in judged
	record.window_ms.end <= latest_approval_ms
	result := lib.result_helper_with_gate(rego.metadata.chain(), [record.predicate.window.end], "canary")
}

# METADATA
# title: Canary window ends after its judgement
# description: >-
#   The canary window ends after the time the canary was judged (no later
#   than its witnessed signing): it cannot have seen that traffic, and an end
#   put ahead would place a canary judged before the approval after it.
# custom:
#   short_name: canary_window_unseen
#   failure_msg: "canary: the window ends at %s, after the canary was judged at %s"
deny contains result if {
	some record in judged
	record.window_ms.end > record.evaluated_at_ms
	params := [record.predicate.window.end, record.predicate.evaluatedAt]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "canary")
}

# METADATA
# title: Canary step differs from policy
# description: The canary sampled at another step than policy data sets.
# custom:
#   short_name: canary_step_mismatch
#   failure_msg: "canary: sampled every %s seconds; policy sets %s"
deny contains result if {
	some record in judged
	record.predicate.step != settings.step_seconds
	result := lib.result_helper_with_gate(rego.metadata.chain(), [record.predicate.step, settings.step_seconds], "canary")
}

# METADATA
# title: Canary asked other queries
# description: >-
#   The PromQL the canary recorded for a metric or for traffic is not what
#   policy data's templates give: it measured something else.
# custom:
#   short_name: canary_query_unexpected
#   failure_msg: "canary: %s on the %s arm was asked %s; policy data asks %s"
deny contains result if {
	some params in unexpected_queries
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "canary")
}

# METADATA
# title: Canary traffic share out of bounds
# description: >-
#   The canary's share of the traffic is outside the bounds policy data sets,
#   or it served none.
# custom:
#   short_name: canary_traffic_share
#   failure_msg: "canary: served %s of the traffic; policy allows %s to %s"
deny contains result if {
	some record in judged
	share := record.predicate.trafficShare
	not share_within(share)
	params := [share, settings.traffic_share.min, settings.traffic_share.max]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "canary")
}

# METADATA
# title: Canary short of data
# description: >-
#   A metric series has fewer aligned samples in an arm than policy data
#   requires, too few of the window's steps aligned in both arms, too few
#   events served in an arm, or no interval at all: too little evidence is
#   never a pass.
# custom:
#   short_name: canary_data_short
#   failure_msg: >-
#     canary: %s has %s canary and %s baseline samples over %s of the window,
#     from %s canary and %s baseline events (policy needs %s samples each over
#     %s of it, and %s events)
deny contains result if {
	some record in judged
	some m in record.predicate.metrics
	short_of_data(m)
	events := [object.get(m, ["events", arm], null) | some arm in arms]
	minima := [settings.min_samples, settings.min_coverage, object.get(settings.metrics, [m.name, "min_events"], 0)]
	params := array.concat([m.name, m.n.canary, m.n.baseline, m.coverage], array.concat(events, minima))
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "canary")
}

# METADATA
# title: Canary interval at the wrong level
# description: >-
#   A comparison's interval is not at the level policy requires (the
#   policy's level, 0.95 unless data sets another): a narrower interval
#   would pass what the policy's would not.
# custom:
#   short_name: canary_interval_level_wrong
#   failure_msg: "canary: %s interval is at level %s; policy requires %s"
deny contains result if {
	some record in judged
	some m in record.predicate.metrics
	m.ci != null
	object.get(m.ci, "level", null) != lib.rule_data("level")
	params := [m.name, object.get(m.ci, "level", null), lib.rule_data("level")]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "canary")
}

# METADATA
# title: Canary score too low
# description: >-
#   Too few of the canary's comparisons are within tolerance, as the policy
#   judges each from its interval.
# custom:
#   short_name: canary_score_low
#   failure_msg: "canary: %s%% of comparisons are within tolerance; policy requires %s%%"
deny contains result if {
	some record in judged
	count(record.predicate.metrics) > 0
	score(record) < settings.min_score
	result := lib.result_helper_with_gate(rego.metadata.chain(), [score(record), settings.min_score], "canary")
}

# METADATA
# title: Canary failed since the approval
# description: >-
#   A canary of this model failed after the approval the decision counts. A
#   later canary over another window does not replace it (no window shopping
#   after a rollback): the approvers approve again, after the failure, before
#   another canary counts.
# custom:
#   short_name: canary_failed
#   failure_msg: "canary: the canary whose window ended at %s failed (%s); approve again before another canary counts"
deny contains result if {
	"canary" in lib.required_gates
	some record in lib.acceptable.canary
	record.predicate.verdict == "fail"
	record.window_ms.end > latest_approval_ms
	params := [record.predicate.window.end, concat("; ", record.predicate.reasons)]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "canary")
}
