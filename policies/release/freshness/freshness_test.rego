package release.freshness_test

import data.lib.fixtures_test as f
import data.release.freshness

test_stale_attestation if {
	stale := f.patched("bias", {"evaluated_at_s": f.now_s - 90000})
	denials := freshness.deny with input as f.request("production", stale) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == ["bias: attestation sha256:bias-bias-gate is 90000 seconds old; the limit is 86400"]
}

test_default_freshness_window_applies if {
	no_window := object.remove(f.gatehouse_data, ["gates"])
	gates := {gate: object.remove(config, ["max_age_seconds"]) | some gate, config in f.gatehouse_data.gates}
	stale := f.patched("bias", {"evaluated_at_s": f.now_s - 700000})
	denials := freshness.deny with input as f.request("production", stale)
		with data.gatehouse as object.union(no_window, {"gates": gates})
	[v.code | some v in denials] == ["attestation_stale"]
}

test_attestation_from_the_future if {
	future := f.patched("canary", {"evaluated_at_s": f.now_s + 5})
	denials := freshness.deny with input as f.request("production", future) with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["attestation_from_future"]
}

test_fresh_chain_passes if {
	count(freshness.deny) == 0 with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
}
