package lib_test

import data.lib
import data.lib.fixtures_test as f

sha512_artifact := concat("", ["sha512:", concat("", [c | some _ in numbers.range(1, 128); c := "a"])])

# A record of an npm tarball: named by sha512 only, as npm provenance names them.
sha512_record := object.union(f.record("integrity", "integrity-gate"), {"subjects": [sha512_artifact]})

test_a_subject_in_any_accepted_algorithm_names_the_artifact if {
	lib.about_artifact(f.record("integrity", "integrity-gate")) with input as f.request("production", [])
	lib.about_artifact(sha512_record) with input.artifact as sha512_artifact

	# A statement carrying several digests is about the artifact by any of them.
	both := object.union(sha512_record, {"subjects": [f.artifact, sha512_artifact]})
	lib.about_artifact(both) with input.artifact as f.artifact
}

test_a_digest_in_another_algorithm_does_not_match if {
	not lib.about_artifact(sha512_record) with input as f.request("production", [])
}

test_an_algorithm_policy_data_does_not_accept_names_nothing if {
	md5_artifact := "md5:0123456789abcdef0123456789abcdef"
	not lib.about_artifact(object.union(sha512_record, {"subjects": [md5_artifact]})) with input.artifact as md5_artifact
	not lib.about_artifact(sha512_record) with input.artifact as sha512_artifact
		with data.gatehouse.artifact_digest_algorithms as ["sha256"]
	lib.about_artifact(f.record("integrity", "integrity-gate")) with input.artifact as f.artifact
		with data.gatehouse.artifact_digest_algorithms as ["sha256"]
}

test_digest_algorithm if {
	lib.digest_algorithm(f.artifact) == "sha256"
	lib.digest_algorithm(sha512_artifact) == "sha512"
}
