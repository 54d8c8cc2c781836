package lib_test

import data.decision
import data.lib
import data.lib.fixtures_test as f

# The model-signing directory digest of the manifest's content (f.artifact is the manifest).
directory := "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

integrity_record := f.record("integrity", "integrity-gate")

# The integrity gate's attestation over the OCI artifact: about the manifest and the directory digest.
binding := object.union(integrity_record, {
	"subjects": [f.artifact, directory],
	"predicate": object.union(integrity_record.predicate, {
		"artifact": {"name": "model", "digest": directory, "kind": "directory"},
		"expected": {"digest": f.artifact},
		"oci": {"reference": "oci://registry/model@sha256:aaa", "manifestDigest": f.artifact},
	}),
})

binding_patched(patch) := object.union(binding, patch)

binding_predicate_patched(patch) := object.union(binding, {"predicate": object.union(binding.predicate, patch)})

# The provenance gate's attestation, run on the model's folder: about the directory digest only.
about_directory := object.union(f.record("provenance", "provenance-gate"), {"subjects": [directory]})

# The staging chain (integrity and provenance) with this integrity record and provenance about the directory.
staging(integrity) := f.request("staging", [integrity, about_directory])

test_a_passing_binding_makes_directory_evidence_count if {
	lib.bound_model_digests == {directory} with input as staging(binding) with data.gatehouse as f.gatehouse_data
	lib.about_artifact(about_directory) with input as staging(binding) with data.gatehouse as f.gatehouse_data
	lib.is_model(directory) with input as staging(binding) with data.gatehouse as f.gatehouse_data
	result := decision.result with input as staging(binding) with data.gatehouse as f.gatehouse_data
	result.allowed
	result.violations == []
}

test_directory_evidence_without_a_binding_names_nothing if {
	plain := f.request("staging", [integrity_record, about_directory])
	not lib.about_artifact(about_directory) with input as plain with data.gatehouse as f.gatehouse_data
	not lib.is_model(directory) with input as plain with data.gatehouse as f.gatehouse_data
}

test_an_untrusted_or_failed_binding_binds_nothing if {
	# Signed by another gate's signer: the attacker's claim that the directory is this manifest's.
	other_signer := {"name": "key:SHA256:regression-gate", "ids": ["regression-gate"]}
	forged := binding_patched({"id": "sha256:forged", "signer": other_signer})
	claims := [r | some r in lib.integrity_bindings] with input as staging(forged) with data.gatehouse as f.gatehouse_data
	claims == [forged]

	# Blobs that did not match their digests; stale, from the future, or evaluated after its signing.
	failed := binding_predicate_patched({"verdict": "fail", "reasons": ["layer: other bytes"]})
	stale := binding_patched({"evaluated_at_ms": f.now_ms - 100000000})
	future := binding_patched({"evaluated_at_ms": f.now_ms + 1000})
	backdated := binding_patched({"signed_at_ms": f.now_ms - 700000})
	every integrity in [forged, failed, stale, future, backdated] {
		count(lib.bound_model_digests) == 0 with input as staging(integrity) with data.gatehouse as f.gatehouse_data
	}
}

test_a_newer_failing_binding_withdraws_an_older_pass if {
	older := binding_patched({"id": "sha256:older", "evaluated_at_ms": f.now_ms - 700000})
	newer := binding_predicate_patched({"verdict": "fail", "reasons": ["rewritten"]})
	both := f.request("staging", [older, newer, about_directory])
	lib.newest_binding_failed with input as both with data.gatehouse as f.gatehouse_data
	count(lib.bound_model_digests) == 0 with input as both with data.gatehouse as f.gatehouse_data
}

test_a_binding_to_another_manifest_or_digest_claims_nothing if {
	# About the manifest, but the predicate judged another one.
	elsewhere := binding_predicate_patched({"oci": {"reference": "oci://r/m", "manifestDigest": f.other_artifact}})
	count(lib.integrity_bindings) == 0 with input as staging(elsewhere) with data.gatehouse as f.gatehouse_data

	# Judged this manifest, but the statement is about another manifest.
	other_subject := binding_patched({"subjects": [f.other_artifact, directory]})
	count(lib.integrity_bindings) == 0 with input as staging(other_subject) with data.gatehouse as f.gatehouse_data

	# The directory digest the predicate names is not one the statement is about.
	unnamed := binding_patched({"subjects": [f.artifact]})
	count(lib.integrity_bindings) == 0 with input as staging(unnamed) with data.gatehouse as f.gatehouse_data
	not lib.claims_binding(about_directory) with input as staging(unnamed) with data.gatehouse as f.gatehouse_data
}

test_a_newer_passing_binding_replaces_an_older_failure if {
	# The blobs were fixed and the manifest checked again: the newest word stands.
	failed := binding_patched({
		"id": "sha256:older",
		"evaluated_at_ms": f.now_ms - 700000,
		"predicate": object.union(binding.predicate, {"verdict": "fail", "reasons": ["layer: other bytes"]}),
	})
	both := f.request("staging", [failed, binding, about_directory])
	not lib.newest_binding_failed with input as both with data.gatehouse as f.gatehouse_data
	lib.bound_model_digests == {directory} with input as both with data.gatehouse as f.gatehouse_data
}

test_only_the_newest_binding_binds if {
	# An older passing binding of the manifest to another directory digest no longer binds it.
	earlier_directory := "sha256:c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
	earlier := binding_patched({
		"id": "sha256:earlier",
		"evaluated_at_ms": f.now_ms - 700000,
		"subjects": [f.artifact, earlier_directory],
		"predicate": object.union(binding.predicate, {"artifact": object.union(
			binding.predicate.artifact,
			{"digest": earlier_directory},
		)}),
	})
	both := f.request("staging", [earlier, binding, about_directory])
	lib.bound_model_digests == {directory} with input as both with data.gatehouse as f.gatehouse_data
}
