package release.data_provenance_test

import data.lib.fixtures_test as f
import data.release.data_provenance

dp_type := "https://gatehouse.dev/attestations/data-provenance/v1"

dataset_type := "https://gatehouse.dev/attestations/dataset/v1"

model_signing_type := "https://model_signing/signature/v1.0"

poisoned := "sha256:9999999999999999999999999999999999999999999999999999999999999999"

dataset_digest := "sha256:d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1"

approved_digest := "sha256:a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2"

base_digest := "sha256:b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3b3"

provenance_bundle := "sha256:0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"

dataset_bundle := "sha256:0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"

base_bundle := "sha256:0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c"

private_uri := "https://datasets.example/private/chat.jsonl"

gatehouse_data := object.union(f.gatehouse_data, {
	"stages": {"release": {"required_gates": ["provenance", "data-provenance"]}},
	"gates": {"data-provenance": {
		"predicate_type": dp_type, "signers": ["data-provenance-gate"],
		"max_age_seconds": 86400, "compares_with_deployed": false,
	}},
	"thresholds": {"data-provenance": {
		"builders": ["builder"],
		"dataset_signers": ["data-team"],
		"base_model_publishers": ["publisher"],
		"approved_sources": ["https://datasets.example/approved/"],
		"denied_digests": [{"digest": poisoned, "reason": "poisoned in the wild"}],
	}},
})

# A verified signature the gate recorded over one digest.
signature(bundle, digest, type) := {
	"bundleDigest": bundle, "predicateType": type,
	"signer": {"kind": "key"}, "subjects": [digest],
}

# A dataset signed by the data team, one from an approved source, a signed base model, and the training code.
materials := [
	{
		"uri": private_uri, "name": null, "kind": "dataset", "digest": dataset_digest, "digests": {},
		"signature": signature(dataset_bundle, dataset_digest, dataset_type),
	},
	{
		"uri": "https://datasets.example/approved/wiki.jsonl", "name": null, "kind": "dataset",
		"digest": approved_digest, "digests": {}, "signature": null,
	},
	{
		"uri": null, "name": "base-7b", "kind": "base-model", "digest": base_digest, "digests": {},
		"signature": signature(base_bundle, base_digest, model_signing_type),
	},
	{
		"uri": "git+https://git.example/train@refs/heads/main", "name": null, "kind": "source",
		"digest": null, "digests": {"gitCommit": "abc"}, "signature": null,
	},
]

provenance := {
	"bundleDigest": provenance_bundle, "predicateType": "https://slsa.dev/provenance/v1", "subjects": [f.artifact],
	"buildType": "https://example/train/v1", "builder": "https://ci.example", "signer": {"kind": "key"},
}

predicate := {
	"gate": "data-provenance", "verdict": "pass", "evaluatedAt": "2027-01-15T07:50:00Z", "reasons": [],
	"policy": {"digest": f.policy_digest},
	"provenance": provenance,
	"materials": materials,
	"rejected": [],
}

# Who signed what, as TypeScript maps the recorded signers to policy ids.
named_signers := {
	provenance_bundle: {"name": "key:SHA256:builder", "ids": ["builder"]},
	dataset_bundle: {"name": "key:SHA256:data-team", "ids": ["data-team"]},
	base_bundle: {"name": "key:SHA256:publisher", "ids": ["publisher"]},
}

record(patch) := object.union(
	{
		"id": "sha256:data-provenance", "verified": true,
		"signer": {"name": "key:SHA256:data-provenance-gate", "ids": ["data-provenance-gate"]},
		"predicate_type": dp_type, "subjects": [f.artifact],
		"evaluated_at_ms": f.now_ms - 600000, "signed_at_ms": null, "expected_seed": null,
		"named_signers": named_signers,
		"predicate": predicate,
	},
	patch,
)

# The record with the provenance changed by patch.
provenance_patched(patch) := record({"predicate": changed_predicate}) if {
	changed_predicate := object.union(predicate, {"provenance": object.union(provenance, patch)})
}

# The record with one signer mapped to other policy ids.
signer_patched(bundle, ids) := record({"named_signers": signers}) if {
	signers := object.union(named_signers, {bundle: {"name": "key:SHA256:x", "ids": ids}})
}

# The record with material i changed by patch.
with_material(i, patch) := record({"predicate": object.union(predicate, {"materials": changed_materials})}) if {
	changed_materials := [changed(j, i, m, patch) | some j, m in materials]
}

changed(j, i, original, patch) := object.union(original, patch) if j == i

else := original

request(r) := f.request("release", array.concat(f.chain, [r]))

test_accounted_training_data_allowed if {
	count(data_provenance.deny) == 0 with input as request(record({})) with data.gatehouse as gatehouse_data
}

test_provenance_of_another_type_denied if {
	older := provenance_patched({"predicateType": "https://slsa.dev/provenance/v0.2"})
	denials := data_provenance.deny with input as request(older)
		with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == [concat("", [
		"data-provenance: the training provenance has predicate type ",
		"https://slsa.dev/provenance/v0.2, not https://slsa.dev/provenance/v1",
	])]
}

test_provenance_about_another_model_denied if {
	denials := data_provenance.deny with input as request(provenance_patched({"subjects": [f.other_artifact]}))
		with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == [sprintf(
		"data-provenance: the training provenance is about %s, not %s",
		[f.other_artifact, f.artifact],
	)]
}

test_provenance_not_signed_by_a_builder_denied if {
	denials := data_provenance.deny with input as request(signer_patched(provenance_bundle, ["data-team"]))
		with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == [sprintf(
		"data-provenance: the training provenance %s is not signed by a builder data names (builder)",
		[provenance_bundle],
	)]
	unknown := record({"named_signers": object.union(named_signers, {provenance_bundle: null})})
	unmapped := data_provenance.deny with input as request(unknown) with data.gatehouse as gatehouse_data
	{v.code | some v in unmapped} == {"data_provenance_builder_not_authorised"}
}

test_unpinned_dataset_and_base_model_denied if {
	dataset := data_provenance.deny with input as request(with_material(0, {"digest": null, "signature": null}))
		with data.gatehouse as gatehouse_data
	[v.msg | some v in dataset] == [sprintf("data-provenance: dataset %s is not pinned by a sha256 digest", [private_uri])]
	base := data_provenance.deny with input as request(with_material(2, {"digest": null, "signature": null}))
		with data.gatehouse as gatehouse_data
	[v.msg | some v in base] == ["data-provenance: base-model base-7b is not pinned by a sha256 digest"]
}

test_dataset_neither_signed_nor_approved_denied if {
	denials := data_provenance.deny with input as request(with_material(0, {"signature": null}))
		with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == [sprintf(
		"data-provenance: dataset %s (%s) is neither signed by the data team (data-team) nor from an approved source",
		[private_uri, dataset_digest],
	)]
}

# Datasets that are not vouched for, each for one reason: signed outside the
# data team, a signature over another digest, no URI to approve it by.
unvouched := [
	signer_patched(dataset_bundle, ["publisher"]),
	with_material(0, {"signature": signature(dataset_bundle, approved_digest, dataset_type)}),
	with_material(0, {"uri": null, "name": "chat", "signature": null}),
]

test_dataset_not_vouched_for_denied if {
	every r in unvouched {
		denials := data_provenance.deny with input as request(r) with data.gatehouse as gatehouse_data
		{v.code | some v in denials} == {"data_provenance_dataset_unapproved"}
	}
}

# URIs that begin with the approved source's text but are not under it: a
# dot segment (plain, encoded, or before a query), an encoded separator.
outside_approved := [
	"https://datasets.example/approved/../private/chat.jsonl",
	"https://datasets.example/approved/sub/..",
	"https://datasets.example/approved/./../x.jsonl",
	"https://datasets.example/approved/%2e%2E/private/x.jsonl",
	"https://datasets.example/approved/.%2e/x.jsonl",
	"https://datasets.example/approved/..%2Fprivate%2fx.jsonl",
	"https://datasets.example/approved/..%5Cprivate%5cx.jsonl",
	"https://datasets.example/approved/./x.jsonl",
	"https://datasets.example/approved/..\\private\\x.jsonl",
	"https://datasets.example/approved/..?v=1",
]

test_dataset_outside_the_approved_source_denied if {
	every uri in outside_approved {
		denials := data_provenance.deny with input as request(with_material(1, {"uri": uri}))
			with data.gatehouse as gatehouse_data
		{v.code | some v in denials} == {"data_provenance_dataset_unapproved"}
	}
}

test_dataset_under_the_approved_source_allowed if {
	every uri in [
		"https://datasets.example/approved/wiki..jsonl",
		"https://datasets.example/approved/a/.hidden/x.jsonl",
		"https://datasets.example/approved/x.jsonl?path=../y",
		"https://datasets.example/approved/x.jsonl#..",
	] {
		count(data_provenance.deny) == 0 with input as request(with_material(1, {"uri": uri}))
			with data.gatehouse as gatehouse_data
	}
}

# A source without its closing slash names no directory: nothing is approved by it.
test_source_that_is_no_directory_approves_nothing if {
	sources := {"approved_sources": ["https://datasets.example/approved"]}
	no_slash := object.union(gatehouse_data, {"thresholds": {"data-provenance": sources}})
	every uri in ["https://datasets.example/approved-evil/wiki.jsonl", "https://datasets.example/approved/wiki.jsonl"] {
		denials := data_provenance.deny with input as request(with_material(1, {"uri": uri}))
			with data.gatehouse as no_slash
		{v.code | some v in denials} == {"data_provenance_dataset_unapproved"}
	}
}

test_denied_digest_denied_even_from_an_approved_source if {
	denials := data_provenance.deny with input as request(with_material(1, {"digest": poisoned}))
		with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == [sprintf(
		"data-provenance: dataset https://datasets.example/approved/wiki.jsonl has the denied digest %s (%s)",
		[poisoned, "poisoned in the wild"],
	)]
}

test_base_model_without_approved_signature_denied if {
	denials := data_provenance.deny with input as request(with_material(2, {"signature": null}))
		with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == [sprintf(
		"data-provenance: base model base-7b (%s) carries no model signature from an approved publisher (publisher)",
		[base_digest],
	)]
	wrong_publisher := data_provenance.deny with input as request(signer_patched(base_bundle, ["data-team"]))
		with data.gatehouse as gatehouse_data
	{v.code | some v in wrong_publisher} == {"data_provenance_base_model_unsigned"}
}

test_unnamed_material_labelled if {
	unnamed := {"uri": null, "kind": "dataset", "digest": null, "digests": {}, "signature": null}
	r := record({"predicate": object.union(predicate, {"materials": array.concat(materials, [unnamed])})})
	denials := data_provenance.deny with input as request(r) with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == ["data-provenance: dataset unnamed is not pinned by a sha256 digest"]
}

test_judged_only_where_the_stage_requires_it if {
	unsigned := with_material(0, {"signature": null})
	denials := data_provenance.deny with input as f.request("staging", array.concat(f.chain, [unsigned]))
		with data.gatehouse as gatehouse_data
	count(denials) == 0
}
