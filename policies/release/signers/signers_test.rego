package release.signers_test

import data.lib.fixtures_test as f
import data.release.signers

test_signer_not_authorised_for_gate if {
	# The safety gate's key signed an integrity attestation.
	forged := f.patched("integrity", {"signer": {"name": "key:SHA256:safety-gate", "ids": ["safety-gate"]}})
	denials := signers.deny with input as f.request("production", forged) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == [concat("", [
		"integrity: attestation sha256:integrity-integrity-gate is signed by key:SHA256:safety-gate, ",
		"who is not authorised for this gate (authorised: integrity-gate)",
	])]
}

test_authorised_signers_pass if {
	count(signers.deny) == 0 with input as f.request("production", f.chain) with data.gatehouse as f.gatehouse_data
}

test_stale_attestation_by_an_unauthorised_signer_beside_good_evidence_does_not_block if {
	good := f.record("integrity", "integrity-gate")
	forged := object.union(good, {
		"id": "sha256:forged",
		"signer": {"name": "key:SHA256:safety-gate", "ids": ["safety-gate"]},
	})
	attestations := f.with_records("integrity", [good, forged])
	count(signers.deny) == 0 with input as f.request("production", attestations) with data.gatehouse as f.gatehouse_data
}

test_model_signed_by_someone_not_authorised if {
	stranger := f.patched("provenance", {"author": {"name": "key:SHA256:stranger", "ids": []}})
	denials := signers.deny with input as f.request("production", stranger) with data.gatehouse as f.gatehouse_data
	[v.msg | some v in denials] == [concat("", [
		"provenance: the model is signed by key:SHA256:stranger, ",
		"who is not authorised to sign models (authorised: trainer)",
	])]
}

test_no_model_signers_in_data_trusts_no_model if {
	no_model_signers := object.remove(f.gatehouse_data, ["model_signers"])
	denials := signers.deny with input as f.request("production", f.chain) with data.gatehouse as no_model_signers
	[v.code | some v in denials] == ["model_signer_not_authorised"]
}

test_evidence_refused_for_another_reason_is_not_reported_here if {
	# Signed by the integrity gate's own key, but about another artifact: the subject rule's to report.
	elsewhere := f.patched("integrity", {"subjects": [f.other_artifact]})
	count(signers.deny) == 0 with input as f.request("production", elsewhere) with data.gatehouse as f.gatehouse_data
}
