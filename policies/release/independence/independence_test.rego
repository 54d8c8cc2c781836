package release.independence_test

import data.lib.fixtures_test as f
import data.release.independence

approval(signer, decision, age_ms) := approval_for("production", signer, decision, age_ms)

approval_for(stage, signer, decision, age_ms) := object.union(f.record("approval", signer), {
	"id": sprintf("sha256:approval-%s-%s-%s-%s", [stage, signer, decision, json.marshal(age_ms)]),
	"evaluated_at_ms": f.now_ms - age_ms,
	"predicate": object.union(f.record("approval", signer).predicate, {"decision": decision, "stage": stage}),
})

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

test_later_rejection_withdraws_an_approval if {
	attestations := f.with_records("approval", [
		approval("alice", "approve", 600000),
		approval("bob", "approve", 600000),
		approval("bob", "reject", 300000),
	])
	denials := independence.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	{v.msg | some v in denials} == {
		"approval: 1 distinct approver(s) for stage production, 2 required",
		"approval: key:SHA256:bob rejected promotion to production",
	}
}

test_later_approval_replaces_a_rejection if {
	attestations := f.with_records("approval", [
		approval("alice", "approve", 600000),
		approval("bob", "reject", 600000),
		approval("bob", "approve", 300000),
	])
	count(independence.deny) == 0 with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
}

test_simultaneous_approval_and_rejection_is_a_rejection if {
	attestations := f.with_records("approval", [
		approval("alice", "approve", 600000),
		approval("bob", "approve", 300000),
		approval("bob", "reject", 300000),
	])
	denials := independence.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	{v.code | some v in denials} == {"approvals_insufficient", "approval_rejected"}
}

test_stage_requiring_approval_needs_one_without_a_count if {
	stages := {"release": {"required_gates": ["provenance", "approval"]}}
	attestations := f.with_records("approval", [approval_for("release", "bob", "reject", 300000)])
	denials := independence.deny with input as f.request("release", attestations)
		with data.gatehouse as object.union(f.gatehouse_data, {"stages": stages})
	{v.msg | some v in denials} == {
		"approval: 0 distinct approver(s) for stage release, 1 required",
		"approval: key:SHA256:bob rejected promotion to release",
	}
}

test_rejection_at_a_stage_that_requires_no_approval_is_not_counted if {
	# Staging requires integrity and provenance only: an approver's word on it decides nothing.
	attestations := f.with_records("approval", [approval_for("staging", "bob", "reject", 300000)])
	count(independence.deny) == 0 with input as f.request("staging", attestations) with data.gatehouse as f.gatehouse_data
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
	attestations := f.with_records("approval", [approval_for("release", "alice", "approve", 300000)])
	denials := independence.deny with input as f.request("release", attestations)
		with data.gatehouse as object.union(f.gatehouse_data, {"stages": stages})
	[v.code | some v in denials] == ["approval_without_provenance"]
}

test_independent_chain_passes if {
	count(independence.deny) == 0 with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
}
