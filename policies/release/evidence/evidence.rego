# METADATA
# title: Evidence binding
# description: >-
#   A gate's figures mean something only about the right comparison: the
#   regression baseline is the model deployed now, and evaluation datasets are
#   the ones pinned in policy data.
package release.evidence

import data.lib

# Gates whose evaluation dataset must be the one pinned in data.gatehouse.datasets.
dataset_field := {"regression": "evaluationSet", "safety": "dataset", "bias": "dataset"}

# METADATA
# title: Deployed model not given
# description: The stage requires a regression gate but the request names no deployed model to compare against.
# custom:
#   short_name: deployed_model_unknown
#   failure_msg: "regression: the currently deployed model's digest is required (--deployed)"
deny contains result if {
	"regression" in lib.required_gates
	input.deployed == null
	result := lib.result_helper_with_gate(rego.metadata.chain(), [], "regression")
}

# METADATA
# title: Regression baseline is not the deployed model
# description: The regression gate compared the candidate against a model other than the one deployed now.
# custom:
#   short_name: regression_baseline_mismatch
#   failure_msg: "regression: baseline was %s, but the deployed model is %s"
deny contains result if {
	input.deployed != null
	some record in lib.evidence.regression
	record.predicate.baseline.digest != input.deployed
	params := [record.predicate.baseline.digest, input.deployed]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "regression")
}

# METADATA
# title: Evaluation dataset is not the pinned one
# description: A gate evaluated on a dataset other than the one policy data pins for it.
# custom:
#   short_name: dataset_not_pinned
#   failure_msg: "%s: evaluated on dataset %s, but policy pins %s"
deny contains result if {
	some gate, field in dataset_field
	some record in lib.evidence[gate]
	pinned := data.gatehouse.datasets[gate]
	record.predicate[field].digest != pinned
	result := lib.result_helper_with_gate(rego.metadata.chain(), [gate, record.predicate[field].digest, pinned], gate)
}

# METADATA
# title: Safety dataset not pinned
# description: >-
#   The stage requires a safety gate but policy data pins no safety dataset,
#   so no safety evidence can be trusted.
# custom:
#   short_name: safety_dataset_unpinned
#   failure_msg: "safety: policy data pins no safety dataset (data.gatehouse.datasets.safety)"
deny contains result if {
	"safety" in lib.required_gates
	not data.gatehouse.datasets.safety
	result := lib.result_helper_with_gate(rego.metadata.chain(), [], "safety")
}
