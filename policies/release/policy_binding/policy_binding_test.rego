package release.policy_binding_test

import data.lib.fixtures_test as f
import data.release.policy_binding

looser := "sha256:9999999999999999999999999999999999999999999999999999999999999999"

test_judged_under_another_policy if {
	elsewhere := f.predicate_patched("bias", {"policy": {"digest": looser}})
	denials := policy_binding.deny with input as f.request("production", elsewhere) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == [sprintf(
		"bias: attestation sha256:bias-bias-gate was judged under policy %s; this decision accepts %s",
		[looser, f.policy_digest],
	)]
}

test_judged_under_no_policy if {
	unbound := f.predicate_patched("regression", {"policy": null})
	denials := policy_binding.deny with input as f.request("production", unbound) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == [sprintf(
		"regression: attestation sha256:regression-regression-gate was judged under policy none; this decision accepts %s",
		[f.policy_digest],
	)]
}

test_revision_data_accepts if {
	earlier := f.predicate_patched("bias", {"policy": {"digest": looser}})
	accepting := object.union(f.gatehouse_data, {"accepted_policies": [looser]})
	count(policy_binding.deny) == 0 with input as f.request("production", earlier) with data.gatehouse as accepting
}

test_gate_data_marks_unbound_needs_no_policy if {
	unbound := f.predicate_patched("integrity", {"policy": null})
	integrity := object.union(f.gatehouse_data.gates.integrity, {"policy_bound": false})
	gates := object.union(f.gatehouse_data.gates, {"integrity": integrity})
	count(policy_binding.deny) == 0 with input as f.request("production", unbound)
		with data.gatehouse as object.union(f.gatehouse_data, {"gates": gates})
}

test_bound_unless_data_says_otherwise if {
	unbound := f.predicate_patched("integrity", {"policy": null})
	integrity := object.union(f.gatehouse_data.gates.integrity, {"policy_bound": true})
	gates := object.union(f.gatehouse_data.gates, {"integrity": integrity})
	denials := policy_binding.deny with input as f.request("production", unbound)
		with data.gatehouse as object.union(f.gatehouse_data, {"gates": gates})
	[v.code | some v in denials] == ["policy_not_accepted"]
}

test_chain_under_the_deciding_policy_passes if {
	count(policy_binding.deny) == 0 with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
}

test_evidence_refused_for_another_reason_is_not_reported_here if {
	# Judged under the deciding policy, but signed by the safety gate's key: the signers rule's to report.
	forged := f.patched("integrity", {"signer": {"name": "key:SHA256:safety-gate", "ids": ["safety-gate"]}})
	count(policy_binding.deny) == 0 with input as f.request("production", forged) with data.gatehouse as f.gatehouse_data
}
