package release.evidence_test

import data.lib.fixtures_test as f
import data.release.evidence

test_deployed_model_required if {
	request := object.union(f.request("production", f.chain), {"deployed": null})
	denials := evidence.deny with input as request with data.gatehouse as f.gatehouse_data
	{v.msg | some v in denials} == {
		"regression: the currently deployed model's digest is required (--deployed)",
		"canary: the currently deployed model's digest is required (--deployed)",
	}
}

test_canary_baseline_must_be_the_deployed_model if {
	elsewhere := f.predicate_patched("canary", {"baseline": {"digest": f.other_artifact}})
	denials := evidence.deny with input as f.request("production", elsewhere) with data.gatehouse as f.gatehouse_data
	expected := sprintf("canary: baseline was %s, but the deployed model is %s", [f.other_artifact, f.deployed])
	[v.msg | some v in denials] == [expected]
}

test_baseline_must_be_the_deployed_model if {
	stale_baseline := f.predicate_patched("regression", {"baseline": {"digest": f.other_artifact}})
	denials := evidence.deny with input as f.request("production", stale_baseline) with data.gatehouse as f.gatehouse_data
	expected := sprintf("regression: baseline was %s, but the deployed model is %s", [f.other_artifact, f.deployed])
	[v.msg | some v in denials] == [expected]
}

test_dataset_must_be_pinned_one if {
	swapped := f.predicate_patched("safety", {"dataset": {"digest": f.other_artifact}})
	denials := evidence.deny with input as f.request("production", swapped) with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["dataset_not_pinned"]
}

test_safety_requires_a_pinned_dataset if {
	unpinned := object.union(object.remove(f.gatehouse_data, ["datasets"]), {"datasets": {}})
	denials := evidence.deny with input as f.request("production", f.chain) with data.gatehouse as unpinned
	[v.code | some v in denials] == ["safety_dataset_unpinned"]
}

inventory_required := object.union(
	f.gatehouse_data,
	{"stages": {"production": object.union(f.gatehouse_data.stages.production, {"require_inventory": true})}},
)

test_inventory_required_and_verified_passes if {
	count(evidence.deny) == 0 with input as f.request("production", f.chain) with data.gatehouse as inventory_required
}

test_inventory_required_but_unverified if {
	unverified := object.union(f.request("production", f.chain), {"inventory": {"verified": false}})
	denials := evidence.deny with input as unverified with data.gatehouse as inventory_required
	[v.code | some v in denials] == ["inventory_unverified"]
	[v.msg | some v in denials] == [concat(" ", [
		"production requires evidence the store's inventory accounts for: a bundle was deleted",
		"or rewritten, came from outside the inventory, or the store keeps none",
	])]
}

test_inventory_required_and_absent_denies if {
	absent := object.remove(f.request("production", f.chain), ["inventory"])
	denials := evidence.deny with input as absent with data.gatehouse as inventory_required
	[v.code | some v in denials] == ["inventory_unverified"]
}

test_inventory_not_required_ignores_the_flag if {
	unverified := object.union(f.request("production", f.chain), {"inventory": {"verified": false}})
	count(evidence.deny) == 0 with input as unverified with data.gatehouse as f.gatehouse_data
}

test_bound_evidence_passes if {
	count(evidence.deny) == 0 with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
}

test_no_deployed_model_needed_where_no_comparison_gate_is_required if {
	# Staging requires integrity and provenance only: neither compares with the deployed model.
	request := object.union(f.request("staging", f.chain), {"deployed": null})
	count(evidence.deny) == 0 with input as request with data.gatehouse as f.gatehouse_data
}

test_no_safety_dataset_needed_where_safety_is_not_required if {
	unpinned := object.union(object.remove(f.gatehouse_data, ["datasets"]), {"datasets": {}})
	count(evidence.deny) == 0 with input as f.request("staging", f.chain) with data.gatehouse as unpinned
}
