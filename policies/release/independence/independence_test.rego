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

test_two_approvals_from_one_identity if {
	alice := f.record("approval", "alice")
	again := object.union(alice, {"id": "sha256:approval-alice-2"})
	attestations := f.with_records("approval", [alice, again])
	denials := independence.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == ["approval: 1 distinct approver(s) for stage production, 2 required"]
}

test_approval_for_another_stage_does_not_count if {
	bob := f.record("approval", "bob")
	elsewhere := object.union(bob, {"predicate": object.union(bob.predicate, {"stage": "staging"})})
	attestations := f.with_records("approval", [f.record("approval", "alice"), elsewhere])
	denials := independence.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["approvals_insufficient"]
}

test_author_cannot_approve if {
	provenance := f.record("provenance", "provenance-gate")
	authored_by_alice := object.union(provenance, {"predicate": object.union(
		provenance.predicate,
		{"modelSignature": {"signer": {"kind": "key", "keyId": "SHA256:alice"}}},
	)})
	attestations := f.with_records("provenance", [authored_by_alice])
	denials := independence.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == ["approval: key:SHA256:alice signed the model and cannot also approve it"]
}

test_independent_chain_passes if {
	count(independence.deny) == 0 with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
}
