# METADATA
# title: Gate verdicts
# description: >-
#   Every required gate's evidence must carry the verdict pass, unless policy
#   data allows another verdict for that gate at this stage.
package release.verdicts

import data.lib

# METADATA
# title: Gate did not pass
# description: A required gate's newest acceptable evidence carries a verdict the stage does not allow.
# custom:
#   short_name: gate_not_passed
#   failure_msg: "%s: verdict %s (allowed: %s)%s"
deny contains result if {
	some gate in lib.required_gates
	some record in lib.evidence[gate]
	not record.predicate.verdict in lib.allowed_verdicts(gate)
	reasons := concat("", [sprintf("; %s", [reason]) | some reason in object.get(record.predicate, "reasons", [])])
	params := [gate, record.predicate.verdict, concat(", ", lib.allowed_verdicts(gate)), reasons]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, gate)
}
