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
