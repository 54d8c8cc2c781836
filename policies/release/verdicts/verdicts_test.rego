package release.verdicts_test

import data.lib.fixtures_test as f
import data.release.verdicts

test_failed_gate_denies_with_its_reasons if {
	failed := f.predicate_patched("integrity", {"verdict": "fail", "reasons": ["digest differs", "second reason"]})
	denials := verdicts.deny with input as f.request("production", failed) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == ["integrity: verdict fail (allowed: pass); digest differs; second reason"]
}

test_insufficient_evidence_is_not_a_pass if {
	unsure := f.predicate_patched("bias", {"verdict": "insufficient-evidence"})
	denials := verdicts.deny with input as f.request("production", unsure) with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["gate_not_passed"]
}

test_stage_may_allow_another_verdict if {
	unsure := f.predicate_patched("canary", {"verdict": "insufficient-evidence"})
	count(verdicts.deny) == 0 with input as f.request("production", unsure) with data.gatehouse as f.gatehouse_data
}
