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
	denials == {{
		"code": "required_gate_missing",
		"gate": "canary",
		"msg": "canary: no verified attestation",
		"title": "Required gate missing",
	}}
}

test_unverified_bundle_is_reported_as_such if {
	bad := {
		"id": "sha256:bad", "location": "a/bad.sigstore.json", "verified": false,
		"reason": "signature does not verify with any trusted key",
		"claimed_predicate_type": "https://gatehouse.dev/attestations/canary/v1",
	}
	attestations := f.with_records("canary", [bad])
	denials := required_gates.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == [concat("", [
		"canary: bundle a/bad.sigstore.json failed verification: ",
		"signature does not verify with any trusted key",
	])]
}
