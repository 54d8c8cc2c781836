package decision_test

import data.decision
import data.lib.fixtures_test as f

test_full_chain_allowed if {
	result := decision.result with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
	result.allowed
	result.violations == []
	result.gates.approval == {
		"status": "present",
		"attestations": ["sha256:approval-alice", "sha256:approval-bob"],
		"signers": ["key:SHA256:alice", "key:SHA256:bob"],
		"verdicts": ["pass", "pass"],
	}
	count(result.gates) == 7
}

test_staging_needs_only_its_gates if {
	attestations := [r | some r in f.chain; r.predicate.gate in {"integrity", "provenance"}]
	result := decision.result with input as f.request("staging", attestations) with data.gatehouse as f.gatehouse_data
	result.allowed
	object.keys(result.gates) == {"integrity", "provenance"}
}

test_gate_statuses if {
	unverified := {
		"id": "sha256:x",
		"verified": false,
		"reason": "bad signature",
		"claimed_predicate_type": "https://gatehouse.dev/attestations/safety/v1",
	}
	attestations := array.concat([r | some r in f.chain; not r.predicate.gate in {"bias", "safety"}], [unverified])
	result := decision.result with input as f.request("production", attestations) with data.gatehouse as f.gatehouse_data
	not result.allowed
	result.gates.bias.status == "missing"
	result.gates.safety.status == "rejected"
	result.gates.integrity.status == "present"
}

test_newest_evidence_wins if {
	older_pass := f.record("integrity", "integrity-gate")
	newer_fail := object.union(older_pass, {
		"id": "sha256:newer",
		"evaluated_at_ms": f.now_ms - 60000,
		"predicate": object.union(older_pass.predicate, {"verdict": "fail", "reasons": ["digest differs"]}),
	})
	attestations := f.rebind(
		f.with_records("integrity", [older_pass, newer_fail]),
		f.packet_with("sha256:integrity-integrity-gate", "sha256:newer"),
	)
	result := decision.result with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	not result.allowed
	result.gates.integrity.attestations == ["sha256:newer"]
	[v.code | some v in result.violations] == ["gate_not_passed"]
}

test_old_or_misplaced_evidence_beside_good_evidence_is_allowed if {
	# Every kind of unacceptable record of each gate, beside the acceptable one:
	# stale, from the future, evaluated after signing, about another artifact,
	# unauthorised, judged under another policy, failed verification.
	spoiled := [r |
		some good in f.gate_chain
		some i, patch in [
			{"evaluated_at_ms": f.now_ms - 900000000},
			{"evaluated_at_ms": f.now_ms + 1000},
			{"signed_at_ms": good.evaluated_at_ms - 1},
			{"subjects": [f.other_artifact]},
			{"signer": {"name": "key:SHA256:nobody", "ids": []}},
			{"predicate": object.union(good.predicate, {"policy": {"digest": "sha256:1234"}})},
		]
		r := object.union(good, object.union(patch, {"id": sprintf("%s-%s", [good.id, json.marshal(i)])}))
	]
	attestations := array.concat(f.chain, spoiled)
	result := decision.result with input as f.request("production", attestations) with data.gatehouse as f.gatehouse_data
	result.allowed
	result.violations == []
}

test_break_glass_allows_and_is_reported if {
	# Given before the canary ended, whose traffic it admitted.
	override := f.break_glass_record("erin", 1200000)
	attestations := array.concat(f.with_records("approval", []), [override])
	result := decision.result with input as f.request("production", attestations) with data.gatehouse as f.gatehouse_data
	result.allowed
	result.break_glass == [{
		"attestation": "sha256:break-glass-erin-1200000",
		"signer": "key:SHA256:erin",
		"reason": "incident 42: rollback blocked",
		"at": "2027-01-15T07:59:00Z",
	}]
}

test_no_break_glass_is_an_empty_list if {
	result := decision.result with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
	result.allowed
	result.break_glass == []
}
