# METADATA
# title: Policy binding
# description: >-
#   A gate's verdict means something only under the policy it was judged by:
#   its thresholds, datasets, signers and settings. Evidence judged under a
#   policy bundle other than the deciding one, or a revision the deciding
#   policy's data explicitly accepts, is not evidence, so whoever runs a gate
#   cannot loosen it with a bundle of their own.
package release.policy_binding

import data.lib

# The policy digest a record says it was judged under, or "none".
judged_under(record) := digest if {
	digest := record.predicate.policy.digest
	is_string(digest)
} else := "none"

# METADATA
# title: Judged under another policy
# description: >-
#   A required gate has no acceptable evidence and its attestation records a
#   policy bundle this decision does not accept (or none).
# custom:
#   short_name: policy_not_accepted
#   failure_msg: "%s: attestation %s was judged under policy %s; this decision accepts %s"
deny contains result if {
	some gate in lib.required_gates
	not lib.acceptable[gate]
	some record in lib.candidates[gate]
	not lib.under_accepted_policy(gate, record)
	accepted := concat(", ", sort([digest | some digest in lib.accepted_policies]))
	params := [gate, record.id, judged_under(record), accepted]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}
