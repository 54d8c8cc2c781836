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

test_evidence_about_an_unbound_directory_digest if {
	directory := "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
	integrity := f.record("integrity", "integrity-gate")
	claim := object.union(integrity, {
		"id": "sha256:claim",
		"signer": {"name": "key:SHA256:regression-gate", "ids": ["regression-gate"]},
		"subjects": [f.artifact, directory],
		"predicate": object.union(integrity.predicate, {
			"oci": {"manifestDigest": f.artifact},
			"artifact": {"digest": directory},
		}),
	})
	provenance := object.union(f.record("provenance", "provenance-gate"), {"subjects": [directory]})
	attestations := array.concat(f.with_records("provenance", [provenance]), [claim])
	denials := subject.deny with input as f.request("production", attestations) with data.gatehouse as f.gatehouse_data
	[v.code | some v in denials] == ["subject_unbound"]
	some v in denials
	contains(v.msg, directory)
	contains(v.msg, "no trusted integrity attestation binds")

	# Signed by an integrity signer, the same claim binds: nothing to deny.
	trusted := object.union(claim, {"signer": integrity.signer})
	bound := array.concat(f.with_records("provenance", [provenance]), [trusted])
	count(subject.deny) == 0 with input as f.request("production", bound) with data.gatehouse as f.gatehouse_data
}

test_evidence_about_the_artifact_refused_for_another_reason_is_not_reported_here if {
	# About the artifact, but signed by the safety gate's key: the signers rule's to report.
	forged := f.patched("integrity", {"signer": {"name": "key:SHA256:safety-gate", "ids": ["safety-gate"]}})
	count(subject.deny) == 0 with input as f.request("production", forged) with data.gatehouse as f.gatehouse_data
}

# An integrity attestation claiming to bind the directory digest to the
# artifact, about both, signed by the regression gate's key (not an integrity signer).
unbound_directory := "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

untrusted_claim := object.union(f.record("integrity", "integrity-gate"), {
	"id": "sha256:claim",
	"signer": {"name": "key:SHA256:regression-gate", "ids": ["regression-gate"]},
	"subjects": [f.artifact, unbound_directory],
	"predicate": object.union(f.record("integrity", "integrity-gate").predicate, {
		"oci": {"manifestDigest": f.artifact},
		"artifact": {"digest": unbound_directory},
	}),
})

test_an_untrusted_claim_about_the_artifact_is_not_reported_unbound if {
	# The integrity gate's only record: about the artifact itself (and the directory it claims to bind).
	attestations := f.with_records("integrity", [untrusted_claim])
	count(subject.deny) == 0 with input as f.request("production", attestations) with data.gatehouse as f.gatehouse_data
}

test_evidence_about_an_unbound_directory_beside_good_evidence_does_not_block if {
	about_directory := object.union(f.record("provenance", "provenance-gate"), {
		"id": "sha256:about-directory",
		"subjects": [unbound_directory],
	})
	attestations := array.concat(f.chain, [untrusted_claim, about_directory])
	count(subject.deny) == 0 with input as f.request("production", attestations) with data.gatehouse as f.gatehouse_data
}
