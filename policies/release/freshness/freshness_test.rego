package release.freshness_test

import data.lib
import data.lib.fixtures_test as f
import data.release.freshness

window_ms := 86400000

test_stale_attestation if {
	stale := f.patched("bias", {"evaluated_at_ms": f.now_ms - 90000000})
	denials := freshness.deny with input as f.request("production", stale) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == ["bias: attestation sha256:bias-bias-gate is 90000 seconds old; the limit is 86400"]
}

test_exactly_at_the_window_is_fresh if {
	at_limit := f.patched("bias", {"evaluated_at_ms": f.now_ms - window_ms})
	count(freshness.deny) == 0 with input as f.request("production", at_limit) with data.gatehouse as f.gatehouse_data
}

test_one_second_past_the_window_is_stale if {
	past := f.patched("bias", {"evaluated_at_ms": (f.now_ms - window_ms) - 1000})
	denials := freshness.deny with input as f.request("production", past) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == ["bias: attestation sha256:bias-bias-gate is 86401 seconds old; the limit is 86400"]
}

test_one_millisecond_past_the_window_is_stale if {
	past := f.patched("bias", {"evaluated_at_ms": (f.now_ms - window_ms) - 1})
	denials := freshness.deny with input as f.request("production", past) with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["attestation_stale"]
}

test_default_freshness_window_applies if {
	no_window := object.remove(f.gatehouse_data, ["gates"])
	gates := {gate: object.remove(config, ["max_age_seconds"]) | some gate, config in f.gatehouse_data.gates}
	stale := f.patched("bias", {"evaluated_at_ms": f.now_ms - 700000000})
	denials := freshness.deny with input as f.request("production", stale)
		with data.gatehouse as object.union(no_window, {"gates": gates})
	[v.code | some v in denials] == ["attestation_stale"]
}

test_attestation_from_the_future if {
	future := f.patched("canary", {"evaluated_at_ms": f.now_ms + 5000})
	denials := freshness.deny with input as f.request("production", future) with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["attestation_from_future"]
}

test_one_millisecond_after_the_evaluation_time_is_from_the_future if {
	future := f.patched("canary", {"evaluated_at_ms": f.now_ms + 1})
	denials := freshness.deny with input as f.request("production", future) with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["attestation_from_future"]
}

test_evaluated_at_the_evaluation_time_is_not_from_the_future if {
	now := f.patched("canary", {"evaluated_at_ms": f.now_ms})
	count(freshness.deny) == 0 with input as f.request("production", now) with data.gatehouse as f.gatehouse_data
}

test_signed_after_the_evaluation_time_is_from_the_future if {
	# The predicate claims an old evaluation, but a timestamp shows it was signed later:
	# an audit at an earlier time cannot use it.
	later := f.patched("canary", {"signed_at_ms": f.now_ms + 1000})
	denials := freshness.deny with input as f.request("production", later) with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["attestation_from_future"]
}

test_signed_at_the_evaluation_time_is_not_from_the_future if {
	at_now := f.patched("canary", {"signed_at_ms": f.now_ms})
	count(freshness.deny) == 0 with input as f.request("production", at_now) with data.gatehouse as f.gatehouse_data
}

test_evaluated_at_the_signing_time_is_fine if {
	same := f.patched("canary", {"evaluated_at_ms": f.now_ms - 600000, "signed_at_ms": f.now_ms - 600000})
	count(freshness.deny) == 0 with input as f.request("production", same) with data.gatehouse as f.gatehouse_data
}

test_evaluated_one_millisecond_after_signing if {
	late := f.patched("canary", {"evaluated_at_ms": f.now_ms - 600000, "signed_at_ms": f.now_ms - 600001})
	denials := freshness.deny with input as f.request("production", late) with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["attestation_evaluated_after_signing"]
}

test_evaluated_after_signing if {
	claimed := f.patched("canary", {"signed_at_ms": f.now_ms - 700000})
	denials := freshness.deny with input as f.request("production", claimed) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == [concat("", [
		"canary: attestation sha256:canary-canary-gate claims evaluation at 2027-01-15T07:59:00Z, ",
		"after its verified signing time",
	])]
}

test_evaluated_before_signing_is_fine if {
	witnessed := f.patched("canary", {"signed_at_ms": f.now_ms - 30000})
	count(freshness.deny) == 0 with input as f.request("production", witnessed) with data.gatehouse as f.gatehouse_data
}

test_old_evidence_beside_fresh_does_not_block if {
	fresh := f.record("bias", "bias-gate")
	stale := object.union(fresh, {"id": "sha256:old-bias", "evaluated_at_ms": f.now_ms - 90000000})
	future := object.union(fresh, {"id": "sha256:future-bias", "evaluated_at_ms": f.now_ms + 1000})
	late := object.union(fresh, {"id": "sha256:late-bias", "signed_at_ms": fresh.evaluated_at_ms - 1})
	attestations := f.with_records("bias", [fresh, stale, future, late])
	count(freshness.deny) == 0 with input as f.request("production", attestations) with data.gatehouse as f.gatehouse_data
	[r | some r in lib.evidence.bias] == [fresh] with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
}

test_fresh_chain_passes if {
	count(freshness.deny) == 0 with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
}
