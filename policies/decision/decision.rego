# METADATA
# title: Promotion decision
# description: >-
#   Collects every violation the release rules find and reports, per required
#   gate, whether acceptable evidence is present, missing or rejected.
package decision

import data.lib
import data.release

# Every violation, from every release rule package. Only each package's deny
# is read: iterating over whole packages would evaluate every rule in them
# (under opa test, every test of every release package, in each decision).
violations contains violation if {
	some name, violation
	release[name].deny[violation]
}

# Status of one required gate.
status(gate) := "present" if lib.acceptable[gate]

status(gate) := "rejected" if {
	not lib.acceptable[gate]
	some _ in array.concat([r | some r in lib.candidates[gate]], [r | some r in lib.unverified[gate]])
}

status(gate) := "missing" if {
	not lib.candidates[gate]
	not lib.unverified[gate]
}

# The evidence one gate was judged on.
gate_report(gate) := {
	"status": status(gate),
	"attestations": sort([record.id | some record in lib.evidence[gate]]),
	"signers": sort([record.signer.name | some record in lib.evidence[gate]]),
	"verdicts": sort([record.predicate.verdict | some record in lib.evidence[gate]]),
}

# METADATA
# title: Decision
# description: Whether the artifact may be promoted to the stage, why, and on what evidence.
# entrypoint: true
result := {
	"allowed": count(violations) == 0,
	"artifact": input.artifact,
	"stage": input.stage,
	"gates": {gate: gate_report(gate) | some gate in lib.required_gates},
	"violations": sort([v | some v in violations]),
	"break_glass": sort([override | some record in lib.break_glass; override := break_glass_entry(record)]),
}

# A break-glass override as the decision reports it: always shown, so that no emergency passes unseen.
break_glass_entry(record) := {
	"attestation": record.id,
	"signer": record.signer.name,
	"reason": record.predicate.reason,
	"at": record.predicate.createdAt,
}
