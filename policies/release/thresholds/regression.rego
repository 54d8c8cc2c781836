# Regression figures (package release.thresholds, beside thresholds.rego).
#
# Re-judges what the regression gate decided from the figures it recorded:
# well-formed intervals at the level policy data requires, every judged slice
# non-inferior on simultaneous intervals at the level the number of slice
# tests implies, enough runs for run-level figures, the bootstrap seed derived
# from what was judged and the resamples policy data sets.
package release.thresholds

import data.lib

# Policy data for the regression gate, and the defaults the gate applies too.
regression_data := lib.thresholds("regression")

regression_level := object.get(regression_data, "level", 0.95)

regression_resamples := object.get(regression_data, "resamples", 2000)

regression_min_runs := object.get(regression_data, "min_runs", 2)

slice_min_size := object.get(regression_data, ["slices", "min_size"], 30)

# Metrics measured once per run of each model, not per example.
run_level_metrics := {"throughput", "peak_memory"}

# The tolerance a slice of a metric is judged against: the slice tolerance, or the metric's.
slice_tolerance(name) := object.get(
	regression_data,
	["slices", "tolerances", name],
	regression_data.metrics[name].tolerance,
)

# An interval that contains its own estimate.
well_formed(entry) if {
	entry.ci.low <= entry.delta
	entry.delta <= entry.ci.high
}

# Levels are compared to within rounding: the gate computes them in binary floating point.
level_is(entry, level) if abs(entry.ci.level - level) < 1e-9

# The recorded seed is a number and the one re-derived from the record.
seed_matches(seed, expected) if {
	is_number(seed)
	seed == expected
}

# A judged slice's interval contains its change and is at the simultaneous level.
slice_interval_valid(s, level) if {
	well_formed(s)
	level_is(s, level)
}

# Slices of a regression record large enough that policy requires them judged.
judged_slices(record) := [s | some s in object.get(record.predicate, "slices", []); s.n >= slice_min_size]

# The number of judged slice tests of each regression record (the Bonferroni m).
slice_tests[id] := n if {
	some record in lib.evidence.regression
	id := record.id
	n := count(judged_slices(record))
}

# METADATA
# title: Interval does not contain its estimate
# description: >-
#   A metric's confidence interval must satisfy low <= change <= high; an
#   interval that excludes its own estimate is a defect, not evidence.
# custom:
#   short_name: interval_malformed
#   failure_msg: "%s: %s interval %s to %s does not contain its change %s"
deny contains result if {
	some gate in lib.comparison_gates
	some record in lib.evidence[gate]
	some m in record.predicate.metrics
	not well_formed(m)
	low := object.get(m, ["ci", "low"], null)
	high := object.get(m, ["ci", "high"], null)
	params := [gate, m.name, low, high, object.get(m, "delta", null)]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}

# METADATA
# title: Interval at the wrong level
# description: >-
#   Every regression metric's interval must be at the confidence level policy
#   data requires (thresholds.regression.level, default 0.95).
# custom:
#   short_name: interval_level_wrong
#   failure_msg: "regression: %s interval is at level %s; policy requires %s"
deny contains result if {
	some record in lib.evidence.regression
	some m in record.predicate.metrics
	not level_is(m, regression_level)
	params := [m.name, object.get(m, ["ci", "level"], null), regression_level]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "regression")
}

# METADATA
# title: Too few runs for a run-level figure
# description: >-
#   Throughput and peak memory are judged from repeated runs of each model;
#   policy data sets how many (thresholds.regression.min_runs).
# custom:
#   short_name: run_metric_too_few_runs
#   failure_msg: "regression: %s judged on %s candidate and %s baseline runs; policy requires %s of each"
deny contains result if {
	some record in lib.evidence.regression
	some m in record.predicate.metrics
	m.name in run_level_metrics
	candidate := object.get(m, ["runs", "candidate"], 0)
	baseline := object.get(m, ["runs", "baseline"], 0)
	min([candidate, baseline]) < regression_min_runs
	params := [m.name, candidate, baseline, regression_min_runs]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "regression")
}

# METADATA
# title: Bootstrap seed not derived from what was judged
# description: >-
#   The regression gate's seed must be the one derived from the subject, the
#   baseline and the evaluation set, so a gate cannot be re-run with new seeds
#   until it passes at the margin.
# custom:
#   short_name: regression_seed_not_derived
#   failure_msg: "regression: bootstrap seed %s is not the one derived from what was judged (%s)"
deny contains result if {
	some record in lib.evidence.regression
	seed := object.get(record.predicate, "seed", null)
	expected := object.get(record, "expected_seed", null)
	not seed_matches(seed, expected)
	result := lib.result_helper_with_gate(rego.metadata.chain(), [seed, expected], "regression")
}

# METADATA
# title: Bootstrap resamples not as policy sets them
# description: The regression gate must bootstrap with the resamples policy data sets (thresholds.regression.resamples).
# custom:
#   short_name: regression_resamples_mismatch
#   failure_msg: "regression: %s bootstrap resamples; policy sets %s"
deny contains result if {
	some record in lib.evidence.regression
	resamples := object.get(record.predicate, "resamples", null)
	resamples != regression_resamples
	result := lib.result_helper_with_gate(rego.metadata.chain(), [resamples, regression_resamples], "regression")
}

# METADATA
# title: Slice not judged
# description: >-
#   A capability or slice with at least the minimum size policy data sets
#   (thresholds.regression.slices.min_size) must be judged, with an interval.
# custom:
#   short_name: slice_not_judged
#   failure_msg: "regression: slice %s (%s, n = %s) has no interval; policy judges slices of %s or more"
deny contains result if {
	some record in lib.evidence.regression
	some s in judged_slices(record)
	not s.ci
	result := lib.result_helper_with_gate(rego.metadata.chain(), [s.name, s.metric, s.n, slice_min_size], "regression")
}

# METADATA
# title: Slice interval not simultaneous
# description: >-
#   Judged slices must carry simultaneous intervals, each at level
#   1 - (1 - level) / m for m judged slice tests (Bonferroni), and contain
#   their own change.
# custom:
#   short_name: slice_interval_invalid
#   failure_msg: >-
#     regression: slice %s (%s) interval %s to %s at level %s; policy requires
#     level %s containing the change %s
deny contains result if {
	some record in lib.evidence.regression
	some s in judged_slices(record)
	s.ci
	level := 1 - ((1 - regression_level) / slice_tests[record.id])
	not slice_interval_valid(s, level)
	recorded := object.get(s, ["ci", "level"], null)
	params := [s.name, s.metric, s.ci.low, s.ci.high, recorded, level, s.delta]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "regression")
}

# METADATA
# title: Slice regressed beyond its tolerance
# description: >-
#   A judged slice's simultaneous interval crosses the slice tolerance policy
#   data allows (non-inferiority not shown for that capability or slice).
# custom:
#   short_name: slice_out_of_tolerance
#   failure_msg: "regression: slice %s %s changed by %s (simultaneous CI %s to %s); policy allows %s (%s is better)"
deny contains result if {
	some record in lib.evidence.regression
	some s in judged_slices(record)
	limit := regression_data.metrics[s.metric]
	not within_tolerance(s, {"direction": limit.direction, "tolerance": slice_tolerance(s.metric)})
	low := object.get(s, ["ci", "low"], null)
	high := object.get(s, ["ci", "high"], null)
	params := [s.name, s.metric, s.delta, low, high, slice_tolerance(s.metric), limit.direction]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "regression")
}
