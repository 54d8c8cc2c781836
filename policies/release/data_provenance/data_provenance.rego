# METADATA
# title: Training-data provenance
# description: >-
#   The policy re-judges the training run's materials from the full list the
#   data-provenance gate recorded, whatever the gate concluded: the provenance
#   is SLSA provenance v1 about this model, signed by a builder data names;
#   every dataset is pinned by sha256 and either vouched for by the data team
#   (a dataset attestation over that digest, signed by one of
#   dataset_signers) or from an approved source; every base model is pinned
#   and carries a model signature over that digest by an approved publisher;
#   no material has a digest data denies; at the stages that require the
#   gate. Signers are mapped to policy ids by
#   TypeScript from the deciding policy's signers (record.named_signers).
package release.data_provenance

import data.lib

# The data-provenance thresholds in policy data.
limits := lib.thresholds("data-provenance")

slsa_provenance_v1 := "https://slsa.dev/provenance/v1"

# The data-provenance evidence judged: that of stages that require the gate.
judged[i] := record if {
	"data-provenance" in lib.required_gates
	some i, record in lib.evidence["data-provenance"]
}

# A signature the record names (by bundle digest) is by a signer with one of these policy ids.
signed_by(record, digest, ids) if {
	some id in record.named_signers[digest].ids
	id in ids
}

# A material vouched for by a signature over its digest from a signer in a role data names.
vouched(record, material, role) if {
	material.digest in material.signature.subjects
	signed_by(record, material.signature.bundleDigest, object.get(limits, role, []))
}

# A material whose URI is under a source data approves: it begins with the
# source, a directory (ending in "/", so .../approved-evil/ is not under
# .../approved/), and its path after it never steps out.
approved_source(material) if {
	is_string(material.uri)
	some prefix in object.get(limits, "approved_sources", [])
	endswith(prefix, "/")
	startswith(material.uri, prefix)
	not steps_out(substring(material.uri, count(prefix), -1))
}

# A path that could leave the directory it begins in, as a server reads it: a
# ".." segment, or a "." one (a path not in normal form), plain or
# percent-encoded, a backslash separating too; or an encoded slash or
# backslash a server may decode into a separator. Query and fragment aside.
steps_out(rest) if {
	some segment in split(replace(uri_path(rest), "\\", "/"), "/")
	replace(segment, encoded.dot, ".") in {".", ".."}
}

steps_out(rest) if contains(uri_path(rest), encoded.slash)

steps_out(rest) if contains(uri_path(rest), encoded.backslash)

# Lower-case percent-encodings, written as "%" and the code (a literal such as
# %2f would read as a format verb to the check on messages).
encoded[name] := concat("", ["%", code]) if {
	some name, code in {"dot": "2e", "slash": "2f", "backslash": "5c"}
}

# The path part of a URI's remainder, lower-cased (percent-encodings alike).
uri_path(rest) := lower(split(split(rest, "?")[0], "#")[0])

# A material's name in messages: its URI, else its name.
label(material) := material.uri if is_string(material.uri)

else := object.get(material, "name", "unnamed")

# Materials whose kind must be pinned and vouched for.
vetted_kinds := {"dataset", "base-model"}

# METADATA
# title: Training provenance not SLSA provenance v1
# description: The provenance the gate recorded is not a SLSA provenance v1 statement (or did not verify).
# custom:
#   short_name: data_provenance_not_slsa
#   failure_msg: "data-provenance: the training provenance has predicate type %s, not %s"
deny contains result if {
	some record in judged
	record.predicate.provenance.predicateType != slsa_provenance_v1
	params := [record.predicate.provenance.predicateType, slsa_provenance_v1]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "data-provenance")
}

# METADATA
# title: Training provenance about another model
# description: No subject of the training run's provenance is the model being decided.
# custom:
#   short_name: data_provenance_subject_mismatch
#   failure_msg: "data-provenance: the training provenance is about %s, not %s"
deny contains result if {
	some record in judged
	not names_model(record.predicate.provenance.subjects)
	params := [record.predicate.provenance.subjects, input.artifact]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "data-provenance")
}

# METADATA
# title: Training provenance not signed by a builder
# description: The training run's provenance is not signed by one of the builders policy data names.
# custom:
#   short_name: data_provenance_builder_not_authorised
#   failure_msg: "data-provenance: the training provenance %s is not signed by a builder data names (%s)"
deny contains result if {
	some record in judged
	not signed_by(record, record.predicate.provenance.bundleDigest, object.get(limits, "builders", []))
	params := [record.predicate.provenance.bundleDigest, concat(", ", object.get(limits, "builders", []))]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "data-provenance")
}

# METADATA
# title: Training material not pinned
# description: A dataset or base model among the resolved dependencies has no sha256 digest.
# custom:
#   short_name: data_provenance_material_unpinned
#   failure_msg: "data-provenance: %s %s is not pinned by a sha256 digest"
deny contains result if {
	some record in judged
	some material in record.predicate.materials
	material.kind in vetted_kinds
	material.digest == null
	result := lib.result_helper_with_gate(rego.metadata.chain(), [material.kind, label(material)], "data-provenance")
}

# METADATA
# title: Dataset neither signed nor approved
# description: >-
#   A dataset is neither vouched for by a dataset attestation over its digest
#   signed by the data team, nor from a source policy data approves.
# custom:
#   short_name: data_provenance_dataset_unapproved
#   failure_msg: "data-provenance: dataset %s (%s) is neither signed by the data team (%s) nor from an approved source"
deny contains result if {
	some record in judged
	some material in record.predicate.materials
	material.kind == "dataset"
	material.digest != null
	not vouched(record, material, "dataset_signers")
	not approved_source(material)
	params := [label(material), material.digest, concat(", ", object.get(limits, "dataset_signers", []))]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "data-provenance")
}

# METADATA
# title: Known-poisoned training material
# description: A material of the training run has a digest policy data denies.
# custom:
#   short_name: data_provenance_material_denied
#   failure_msg: "data-provenance: %s %s has the denied digest %s (%s)"
deny contains result if {
	some record in judged
	some material in record.predicate.materials
	some entry in object.get(limits, "denied_digests", [])
	material.digest == entry.digest
	params := [material.kind, label(material), entry.digest, entry.reason]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "data-provenance")
}

# METADATA
# title: Base model without an approved publisher's signature
# description: >-
#   A base model the training run started from carries no verified model
#   signature over its digest by a publisher policy data approves.
# custom:
#   short_name: data_provenance_base_model_unsigned
#   failure_msg: "data-provenance: base model %s (%s) carries no model signature from an approved publisher (%s)"
deny contains result if {
	some record in judged
	some material in record.predicate.materials
	material.kind == "base-model"
	material.digest != null
	not vouched(record, material, "base_model_publishers")
	params := [label(material), material.digest, concat(", ", object.get(limits, "base_model_publishers", []))]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "data-provenance")
}

# One of the provenance's subjects is the model being decided (or its bound directory digest).
names_model(subjects) if {
	some digest in subjects
	lib.is_model(digest)
}
