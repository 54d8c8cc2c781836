# METADATA
# title: Evidence binding
# description: >-
#   A gate's figures mean something only about the right comparison: the
#   regression and canary baselines are the model deployed now, and evaluation
#   datasets are the ones pinned in policy data.
package release.evidence

import data.lib

# METADATA
# title: Deployed model not given
# description: >-
#   The stage requires a gate that compares with the deployed model
#   (regression, canary) but the request names no deployed model.
# custom:
#   short_name: deployed_model_unknown
#   failure_msg: "%s: the currently deployed model's digest is required (--deployed)"
deny contains result if {
	input.deployed == null
	some gate in lib.comparison_gates
	gate in lib.required_gates
	result := lib.result_helper_with_gate(rego.metadata.chain(), [gate], gate)
}

# METADATA
# title: Baseline is not the deployed model
# description: The regression or canary gate compared the candidate against a model other than the one deployed now.
# custom:
#   short_name: baseline_mismatch
#   failure_msg: "%s: baseline was %s, but the deployed model is %s"
deny contains result if {
	input.deployed != null
	some gate in lib.comparison_gates
	some record in lib.evidence[gate]
	record.predicate.baseline.digest != input.deployed
	params := [gate, record.predicate.baseline.digest, input.deployed]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}

# METADATA
# title: Evaluation dataset is not the pinned one
# description: A gate evaluated on a dataset other than the one policy data pins for it.
# custom:
#   short_name: dataset_not_pinned
#   failure_msg: "%s: evaluated on dataset %s, but policy pins %s"
deny contains result if {
	some gate, field in lib.dataset_fields
	some record in lib.evidence[gate]
	pinned := data.gatehouse.datasets[gate]
	record.predicate[field].digest != pinned
	result := lib.result_helper_with_gate(rego.metadata.chain(), [gate, record.predicate[field].digest, pinned], gate)
}

# METADATA
# title: Evidence not accounted for by the store's inventory
# description: >-
#   The stage requires evidence read from an inventory that verifies: the
#   store's hash chain lists every bundle read, intact, and every bundle it
#   lists about the artifact was read. Without it, a deleted failing
#   attestation could let an older pass stand. gatehouse computes the flag
#   from the store; no flag or setting a gate operator chooses sets it.
# custom:
#   short_name: inventory_unverified
#   failure_msg: >-
#     %s requires evidence the store's inventory accounts for: a bundle was deleted
#     or rewritten, came from outside the inventory, or the store keeps none
deny contains result if {
	lib.stage.require_inventory == true
	not input.inventory.verified == true
	result := lib.result_helper(rego.metadata.chain(), [input.stage])
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
