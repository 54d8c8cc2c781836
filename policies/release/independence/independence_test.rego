package release.independence_test

import data.lib.fixtures_test as f
import data.release.independence

test_one_signer_for_two_gates if {
	# The integrity gate's key is also authorised for, and signs, provenance.
	reused := f.patched("provenance", {"signer": {"name": "key:SHA256:integrity-gate", "ids": ["integrity-gate"]}})
	gates := object.union(f.gatehouse_data.gates, {"provenance": object.union(
		f.gatehouse_data.gates.provenance,
		{"signers": ["integrity-gate"]},
	)})
	denials := independence.deny with input as f.request("production", reused)
		with data.gatehouse as object.union(f.gatehouse_data, {"gates": gates})
	[v.msg | some v in denials] == [concat("", [
		"key:SHA256:integrity-gate signed the evidence of both integrity and provenance; ",
		"a signer counts for at most one gate",
	])]
}

test_author_cannot_approve if {
	alice_wrote_it := f.patched("provenance", {"author": {"name": "key:SHA256:alice", "ids": ["alice"]}})
	denials := independence.deny with input as f.request("production", alice_wrote_it)
		with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == [concat("", [
		"approval: key:SHA256:alice signed the model ",
		"and cannot also sign its approval evidence",
	])]
}

test_author_cannot_sign_any_gate if {
	# The same policy signer under another name (one id, two identities) counts too.
	wrote_it := f.patched("provenance", {"author": {"name": "keyless:https://ci|train", "ids": ["regression-gate"]}})
	denials := independence.deny with input as f.request("production", wrote_it)
		with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == [concat("", [
		"regression: keyless:https://ci|train signed the model ",
		"and cannot also sign its regression evidence",
	])]
}

test_unknown_author_denies if {
	nobody := f.patched("provenance", {"author": null})
	denials := independence.deny with input as f.request("production", nobody)
		with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["model_author_unknown"]
}

test_approval_without_provenance_denies if {
	stages := {"release": {"required_gates": ["approval"], "approvals": 1}}
	attestations := f.chain
	denials := independence.deny with input as f.request("release", attestations)
		with data.gatehouse as object.union(f.gatehouse_data, {"stages": stages})
	[v.code | some v in denials] == ["approval_without_provenance"]
}

test_independent_chain_passes if {
	count(independence.deny) == 0 with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
}

# A stage that requires integrity only: neither provenance nor approval.
integrity_only := object.union(f.gatehouse_data, {"stages": {"release": {"required_gates": ["integrity"]}}})

test_unknown_author_does_not_deny_where_provenance_is_not_required if {
	nobody := f.patched("provenance", {"author": null})
	count(independence.deny) == 0 with input as f.request("release", nobody) with data.gatehouse as integrity_only
}

test_no_approval_rule_where_the_stage_requires_no_approval if {
	count(independence.deny) == 0 with input as f.request("release", f.chain) with data.gatehouse as integrity_only
}
