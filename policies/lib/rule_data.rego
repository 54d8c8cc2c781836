# METADATA
# title: gatehouse policy library
# description: >-
#   Data access (everything tunable is data under data.gatehouse, read only
#   through here so defaults live in one place), the violation helper, and
#   views over the verified attestation records.
package lib

# Defaults that apply when policy data does not set a value.
default_rule_data := {
	"max_age_seconds": 604800,
	"level": 0.95,
	"model_signers": [],
	"accepted_policies": [],
	# Collision-resistant only: data may narrow the list, never widen it (the data schema says so).
	"artifact_digest_algorithms": ["sha256", "sha384", "sha512"],
}

# The configured value for key, or its default.
rule_data(key) := data.gatehouse[key]

rule_data(key) := default_rule_data[key] if not data.gatehouse[key]

# The stage being decided, from data; undefined when the stage is unknown.
stage := data.gatehouse.stages[input.stage]

# Gates the stage requires.
required_gates contains gate if some gate in stage.required_gates

# Configuration of one gate.
gate_config(gate) := data.gatehouse.gates[gate]

# The gate a predicate type belongs to.
gate_of_type(predicate_type) := gate if {
	some gate, config in data.gatehouse.gates
	config.predicate_type == predicate_type
}

# Gates that compare the candidate with the deployed model: their baseline must
# be that model and their metrics are re-judged against tolerances. A fact of
# each gate, which gatehouse writes into data when it builds the bundle.
comparison_gates contains gate if {
	some gate, config in data.gatehouse.gates
	config.compares_with_deployed == true
}

# Gates judged after human approval (a canary runs on the traffic approvers
# admitted): approvals do not review their evidence, which must follow them.
# A fact of each gate, written into data when the bundle is built.
follows_approval(gate) if data.gatehouse.gates[gate].follows_approval == true

# The gates whose evidence approvers review: every required gate but approval
# and those that follow it.
reviewed_gates contains gate if {
	some gate in required_gates
	gate != "approval"
	not follows_approval(gate)
}

# The predicate field naming the evaluation dataset of each gate judged on one
# (a fact of the gate, written into data when the bundle is built); data pins the dataset.
dataset_fields[gate] := config.dataset_field if some gate, config in data.gatehouse.gates

# How old a gate's attestation may be, in seconds.
max_age_seconds(gate) := gate_config(gate).max_age_seconds

max_age_seconds(gate) := rule_data("max_age_seconds") if not gate_config(gate).max_age_seconds

# Thresholds for a gate (an empty object when none are configured).
thresholds(gate) := object.get(rule_data("thresholds"), gate, {})

# Verdicts a gate's evidence may carry at this stage: pass, unless data allows more.
allowed_verdicts(gate) := object.get(object.get(stage, "allowed_verdicts", {}), gate, ["pass"])
