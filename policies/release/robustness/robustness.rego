# METADATA
# title: Robustness
# description: >-
#   The policy re-judges the robustness gate from the figures it recorded,
#   whatever the gate concluded: each family's attack success rate (or
#   prediction flip rate) at the upper end of its exact interval against the
#   maximum policy data sets, intervals at the level policy requires, counts
#   that add up, and a source policy data accepts.
package release.robustness

import data.lib

# The robustness thresholds in policy data.
limits := lib.thresholds("robustness")

# The maxima policy data names for the record's measure, and the one for any other family.
named(record) := object.get(limits, "flip_families", {}) if record.predicate.measure == "flip"

named(record) := object.get(limits, "attack_families", {}) if record.predicate.measure != "flip"

fallback(record) := object.get(limits, "max_flip_rate", 0) if record.predicate.measure == "flip"

fallback(record) := object.get(limits, "max_attack_success", 0) if record.predicate.measure != "flip"

# The maximum a family's rate may reach.
maximum(record, name) := object.get(named(record), name, fallback(record))

# The measure and the fields each source must come with.
source_consistent(record) if {
	record.predicate.source.format == "gatehouse"
	record.predicate.measure == "attack-success"
	record.predicate.dataset.digest
}

source_consistent(record) if {
	record.predicate.source.format in {"garak", "promptfoo"}
	record.predicate.measure == "attack-success"
	not record.predicate.dataset
}

source_consistent(record) if {
	record.predicate.source.format == "predictions"
	record.predicate.measure == "flip"
	not record.predicate.dataset
}

# A source policy data does not list, or a record that does not fit its source.
source_problem(record) if not record.predicate.source.format in object.get(limits, "sources", [])

source_problem(record) if not source_consistent(record)

# A family's interval that contains its rate, ends at its upper bound, sits at
# the level policy requires, and whose rate is its hits over its trials.
well_formed(f) if {
	f.ci.low <= f.rate
	f.rate <= f.ci.high
	f.upperBound == f.ci.high
	f.ci.level == lib.rule_data("level")
	abs(f.rate - (f.hits / f.n)) <= 0.000000001
}

# Counts that do not add up: trials counted twice or not at all, more hits
# than trials, or (for the pinned attack set) not every attack of the dataset.
miscounted(record) if sum([f.n | some f in record.predicate.families]) != record.predicate.trials

miscounted(record) if {
	some f in record.predicate.families
	f.hits > f.n
}

miscounted(record) if record.predicate.unanswered > record.predicate.trials

miscounted(record) if {
	dataset := record.predicate.dataset
	dataset.attacks != record.predicate.trials
}

miscounted(record) if {
	dataset := record.predicate.dataset
	dataset.answered != dataset.attacks - record.predicate.unanswered
}

# METADATA
# title: Attack or flip rate above its maximum
# description: >-
#   A family's attack success rate (or prediction flip rate), at the exact
#   upper bound of its interval, is above the maximum policy data sets: the
#   evidence does not show the model resists it (or it was not reported).
# custom:
#   short_name: robustness_family_above_maximum
#   failure_msg: "robustness: %s %s upper bound %s exceeds the allowed %s"
deny contains result if {
	some record in lib.evidence.robustness
	some f in record.predicate.families
	bound := object.get(f, "upperBound", 2)
	bound > maximum(record, f.name)
	params := [f.name, record.predicate.measure, bound, maximum(record, f.name)]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "robustness")
}

# METADATA
# title: Attack family not judged
# description: >-
#   A robustness attestation on the pinned attack set lacks an attack family
#   policy data sets a maximum for.
# custom:
#   short_name: robustness_family_missing
#   failure_msg: "robustness: no figure for attack family %s, which policy requires"
deny contains result if {
	some record in lib.evidence.robustness
	record.predicate.source.format == "gatehouse"
	some name, _ in object.get(limits, "attack_families", {})
	count([f | some f in record.predicate.families; f.name == name]) == 0
	result := lib.result_helper_with_gate(rego.metadata.chain(), [name], "robustness")
}

# METADATA
# title: Robustness source not accepted
# description: >-
#   The robustness trials came from a source policy data does not accept, or
#   the attestation's measure and dataset do not fit its source (the pinned
#   attack set must name its dataset, which policy data pins).
# custom:
#   short_name: robustness_source_not_accepted
#   failure_msg: "robustness: %s trials measuring %s are not a source policy data accepts (%s)"
deny contains result if {
	some record in lib.evidence.robustness
	source_problem(record)
	params := [record.predicate.source.format, record.predicate.measure, object.get(limits, "sources", [])]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "robustness")
}

# METADATA
# title: Robustness interval malformed
# description: >-
#   A family's interval does not contain its rate, its upper bound is not the
#   interval's high end, its rate is not its hits over its trials, or it is
#   not at the level policy requires.
# custom:
#   short_name: robustness_interval_malformed
#   failure_msg: "robustness: %s rate %s (%s of %s) with interval %s; policy requires level %s"
deny contains result if {
	some record in lib.evidence.robustness
	some f in record.predicate.families
	not well_formed(f)
	params := [f.name, f.rate, f.hits, f.n, json.marshal(f.ci), lib.rule_data("level")]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "robustness")
}

# METADATA
# title: Robustness counts inconsistent
# description: >-
#   The robustness gate's counts do not add up: every trial counted once in
#   one family, no more hits than trials, and every attack of the pinned set
#   counted (an unanswered one as a hit).
# custom:
#   short_name: robustness_counts_inconsistent
#   failure_msg: "robustness: %s trials in families, %s recorded, %s unanswered"
deny contains result if {
	some record in lib.evidence.robustness
	miscounted(record)
	params := [sum([f.n | some f in record.predicate.families]), record.predicate.trials, record.predicate.unanswered]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "robustness")
}
