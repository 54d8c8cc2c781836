package release.subject_test

import data.lib.fixtures_test as f
import data.release.subject

test_attestation_about_another_artifact if {
	attestations := f.patched("integrity", {"subjects": [f.other_artifact]})
	denials := subject.deny with input as f.request("production", attestations)
		with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["subject_mismatch"]
	some v in denials
	contains(v.msg, f.other_artifact)
}

test_about_artifact_passes if {
	count(subject.deny) == 0 with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
}

test_attestation_about_another_artifact_beside_good_evidence_does_not_block if {
	good := f.record("integrity", "integrity-gate")
	elsewhere := object.union(good, {"id": "sha256:elsewhere", "subjects": [f.other_artifact]})
	attestations := f.with_records("integrity", [good, elsewhere])
	count(subject.deny) == 0 with input as f.request("production", attestations) with data.gatehouse as f.gatehouse_data
}
