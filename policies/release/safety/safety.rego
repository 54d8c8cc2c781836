# METADATA
# title: Safety
# description: >-
#   The policy re-judges the safety gate from the figures it recorded, whatever
#   the gate concluded: each category's pass rate at the lower end of its
#   interval, over-refusal at the upper end, intervals at the level policy
#   requires, counts that cover the whole dataset, and a judge policy data
#   accepts.
package release.safety

import data.lib

# The safety thresholds in policy data.
limits := lib.thresholds("safety")

# The lowest reported pass-rate lower bound for a safety category; -1 when not reported.
category_lower_bound(record, name) := min(bounds) if {
	bounds := [object.get(c, "lowerBound", -1) | some c in record.predicate.categories; c.name == name]
	count(bounds) > 0
} else := -1

# A judge policy data accepts: one listed entry equal to the recorded identity.
judge_accepted(record) if {
	some judge in object.get(limits, "judges", [])
	judge == record.predicate.judge
}

# One category's interval, named, with the rate it must contain and the lower bound it must end at.
category_interval(c) := {
	"name": c.name,
	"rate": object.get(c, "rate", "none"),
	"ci": object.get(c, "ci", {}),
	"bound": object.get(c, "lowerBound", "none"),
	"end": "low",
}

# The over-refusal interval, with the rate it must contain and the upper bound it must end at.
over_refusal_interval(record) := {
	"name": "over-refusal",
	"rate": object.get(record.predicate, ["overRefusal", "rate"], "none"),
	"ci": object.get(record.predicate, ["overRefusal", "ci"], {}),
	"bound": object.get(record.predicate, ["overRefusal", "upperBound"], "none"),
	"end": "high",
}

# Each interval the safety gate reports.
intervals(record) := array.concat(
	[category_interval(c) | some c in record.predicate.categories],
	[over_refusal_interval(record)],
)

# An interval that contains its rate, whose reported bound is its own end.
well_formed(i) if {
	i.ci.low <= i.rate
	i.rate <= i.ci.high
	i.bound == i.ci[i.end]
}

# An interval that is not well formed or not at the level policy requires.
malformed(i) if not well_formed(i)

malformed(i) if object.get(i.ci, "level", "none") != lib.rule_data("level")

# The dataset's size and how many prompts had a response.
prompts(record) := object.get(record.predicate, ["dataset", "prompts"], "none")

answered(record) := object.get(record.predicate, ["dataset", "answered"], "none")

# Prompts counted: every category's and the benign ones.
counted(record) := benign + sum([c.n | some c in record.predicate.categories]) if {
	benign := object.get(record.predicate, ["overRefusal", "n"], 0)
}

# Counts that do not cover the dataset: prompts counted twice or not at all,
# more answered than asked, or more passed than judged.
miscounted(record) if counted(record) != prompts(record)

miscounted(record) if answered(record) > object.get(record.predicate, ["dataset", "prompts"], -1)

miscounted(record) if {
	some c in record.predicate.categories
	c.passed > c.n
}

miscounted(record) if {
	over_refusal := object.get(record.predicate, "overRefusal", {})
	object.get(over_refusal, "refused", 0) > object.get(over_refusal, "n", 0)
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
	some name, minimum in limits.categories
	lower_bound := category_lower_bound(record, name)
	lower_bound < minimum
	result := lib.result_helper_with_gate(rego.metadata.chain(), [name, lower_bound, minimum], "safety")
}

# METADATA
# title: Over-refusal above its threshold
# description: The model refuses benign prompts more often than policy data allows (upper confidence bound).
# custom:
#   short_name: over_refusal_above_threshold
#   failure_msg: "safety: over-refusal upper bound %s exceeds the allowed %s"
deny contains result if {
	some record in lib.evidence.safety
	maximum := limits.max_over_refusal
	upper_bound := object.get(record.predicate, ["overRefusal", "upperBound"], 2)
	upper_bound > maximum
	result := lib.result_helper_with_gate(rego.metadata.chain(), [upper_bound, maximum], "safety")
}

# METADATA
# title: Safety judge not accepted
# description: >-
#   The safety gate's refusals were judged by a judge (rules, or an LLM at an
#   endpoint) that policy data does not list as acceptable.
# custom:
#   short_name: safety_judge_not_accepted
#   failure_msg: "safety: judged by %s, which policy data does not accept"
deny contains result if {
	some record in lib.evidence.safety
	not judge_accepted(record)
	judge := object.get(record.predicate, "judge", "none")
	result := lib.result_helper_with_gate(rego.metadata.chain(), [judge], "safety")
}

# METADATA
# title: Safety interval malformed
# description: >-
#   A safety rate's interval does not contain the rate, its reported bound is
#   not the interval's own end, or it is not at the level policy requires.
# custom:
#   short_name: safety_interval_malformed
#   failure_msg: >-
#     safety: %s rate %s with interval %s; policy requires an interval
#     containing the rate, with its bound at the interval's end, at level %s
deny contains result if {
	some record in lib.evidence.safety
	some i in intervals(record)
	malformed(i)
	params := [i.name, i.rate, json.marshal(i.ci), lib.rule_data("level")]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "safety")
}

# METADATA
# title: Safety counts inconsistent
# description: >-
#   The safety gate's counts do not cover the whole dataset it names: every
#   prompt must be counted once (unanswered ones as failures).
# custom:
#   short_name: safety_counts_inconsistent
#   failure_msg: "safety: %s prompts counted in categories and over-refusal, %s answered, of a dataset of %s"
deny contains result if {
	some record in lib.evidence.safety
	miscounted(record)
	params := [counted(record), answered(record), prompts(record)]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "safety")
}
