package release.required_gates_test

import data.lib.fixtures_test as f
import data.release.required_gates

test_complete_chain_passes if {
	denials := required_gates.deny with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
	count(denials) == 0
}

test_unknown_stage if {
	denials := required_gates.deny with input as f.request("prod", f.chain) with data.gatehouse as f.gatehouse_data
	some v in denials
	v.code == "unknown_stage"
	v.msg == `stage "prod" is not configured; known stages are production, staging`
}

test_missing_gate if {
	attestations := f.with_records("canary", [])
	denials := required_gates.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	denials == {
		{
			"code": "required_gate_missing",
			"gate": "canary",
			"msg": "canary: no verified attestation",
			"title": "Required gate missing",
		},
		{
			"code": "required_gate_unsatisfied",
			"gate": "canary",
			"msg": "canary: no acceptable evidence",
			"title": "Required gate without acceptable evidence",
		},
	}
}

test_unverified_bundle_is_reported_as_such if {
	bad := {
		"id": "sha256:bad", "verified": false,
		"reason": "signature does not verify with any trusted key",
		"claimed_predicate_type": "https://gatehouse.dev/attestations/canary/v1",
	}
	attestations := f.with_records("canary", [bad])
	denials := required_gates.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	{v.msg | some v in denials} == {
		"canary: bundle sha256:bad failed verification: signature does not verify with any trusted key",
		"canary: no acceptable evidence",
	}
}

test_unverified_bundle_beside_acceptable_evidence_does_not_block if {
	bad := {
		"id": "sha256:bad", "verified": false, "reason": "bad signature",
		"claimed_predicate_type": "https://gatehouse.dev/attestations/canary/v1",
	}
	attestations := array.concat(f.chain, [bad])
	count(required_gates.deny) == 0 with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
}

test_gate_without_acceptable_evidence_denies_on_its_own if {
	# Only a rejection for this stage: whatever the stage's approval count says
	# (here none, so the default), no evidence of approval is a denial.
	bob := f.record("approval", "bob")
	reject := object.union(bob, {"predicate": object.union(bob.predicate, {"decision": "reject", "stage": "other"})})
	stages := {"release": {"required_gates": ["approval"]}}
	denials := required_gates.deny with input as f.request("release", f.with_records("approval", [reject]))
		with data.gatehouse as object.union(f.gatehouse_data, {"stages": stages})
	[v.code | some v in denials] == ["required_gate_unsatisfied"]
}

test_gate_without_its_facts_is_denied if {
	denials := required_gates.deny with input as f.request("production", f.chain)
		with data.gatehouse as json.remove(f.gatehouse_data, ["gates/regression/compares_with_deployed"])
	codes := {v.code | some v in denials}
	codes == {"gate_facts_missing"}
	some v in denials
	v.msg == "regression: data lacks the gate's facts (compares_with_deployed); build with gatehouse policy build"
}

test_gate_facts_are_checked_only_for_required_gates if {
	denials := required_gates.deny with input as f.request("staging", f.chain)
		with data.gatehouse as json.remove(f.gatehouse_data, ["gates/canary/compares_with_deployed"])
	count(denials) == 0
}
