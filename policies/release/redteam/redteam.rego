# METADATA
# title: Red-team sign-off
# description: >-
#   The policy re-judges the red team's signed report, whatever the gate
#   concluded: it covers this exact model, its engagement has ended and not too
#   long ago, every finding's severity is on the scale policy data sets, no
#   finding at or above the blocking severity is open, and every accepted
#   finding carries a risk acceptance signed by the risk owner it names, a
#   member of the risk-owner role who is not the model's author; at the
#   stages that require the red team's sign-off. Who may sign
#   the report (the red-team role) is the gate's signers in data; that they
#   are not the model's author is the independence rules'.
package release.redteam

import data.lib

# The red-team thresholds in policy data.
limits := lib.thresholds("redteam")

risk_acceptance_type := "https://gatehouse.dev/attestations/risk-acceptance/v1"

# The red team's reports judged: those of stages that require its sign-off
# (before then a finding may still await its risk owner).
reports[i] := record if {
	"redteam" in lib.required_gates
	some i, record in lib.evidence.redteam
}

# A severity's rank on the scale (lowest first); undefined when it is not on it.
rank(severity) := i if {
	some i, name in object.get(limits, "severities", [])
	name == severity
}

# The rank from which an open finding blocks; every finding blocks when data's block_at is not on the scale.
default block_rank := 0

block_rank := rank(limits.block_at)

# An open finding that blocks: at or above the blocking severity, or of a severity not on the scale.
blocking(finding) if rank(finding.severity) >= block_rank

blocking(finding) if not rank(finding.severity)

# Risk acceptances that count: verified, about this artifact, placed
# consistently in time, signed by a risk owner data names who is not the
# model's author.
acceptances[i] := record if {
	some i, record in input.attestations
	record.verified
	record.predicate_type == risk_acceptance_type
	lib.about_artifact(record)
	not lib.from_future(record)
	not lib.evaluated_after_signing(record)
	not lib.authored(record)
	some id in record.signer.ids
	id in object.get(limits, "risk_owners", [])
}

# A finding of a report accepted by the risk owner it names, for its engagement.
accepted(report, finding) if {
	some record in acceptances
	record.predicate.finding == finding.id
	record.predicate.engagement == report.predicate.engagement.id
	finding.riskOwner in record.signer.ids
}

# The engagement started before it ended, and ended by the evaluation time.
engagement_over(record) if {
	record.times_ms.engagement_start <= record.times_ms.engagement_end
	record.times_ms.engagement_end <= input.evaluation_time_ms
}

# How long after its engagement ended a report speaks for a model; no time at all when data does not say.
default max_engagement_age_ms := 0

max_engagement_age_ms := limits.max_engagement_age_seconds * 1000

# METADATA
# title: Red-team report covers another model
# description: >-
#   The red team's report names another model than the one being decided: its
#   findings say nothing about this one.
# custom:
#   short_name: redteam_model_not_covered
#   failure_msg: "redteam: the report covers %s, not %s"
deny contains result if {
	some record in reports
	not lib.is_model(record.predicate.model.digest)
	params := [record.predicate.model.digest, input.artifact]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "redteam")
}

# METADATA
# title: Open red-team finding at or above the blocking severity
# description: >-
#   A finding at or above the severity policy data blocks at (or of a
#   severity not on its scale) is still open.
# custom:
#   short_name: redteam_open_finding
#   failure_msg: "redteam: finding %s (%s) is open; open findings at or above %s block"
deny contains result if {
	some record in reports
	some finding in record.predicate.findings
	finding.status == "open"
	blocking(finding)
	params := [finding.id, finding.severity, object.get(limits, "block_at", "none")]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "redteam")
}

# METADATA
# title: Red-team severity not on the scale
# description: A finding's severity is not one of the severities policy data lists.
# custom:
#   short_name: redteam_severity_unknown
#   failure_msg: "redteam: finding %s has severity %s, not on the policy's scale (%s)"
deny contains result if {
	some record in reports
	some finding in record.predicate.findings
	not rank(finding.severity)
	params := [finding.id, finding.severity, concat(", ", object.get(limits, "severities", []))]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "redteam")
}

# METADATA
# title: Accepted risk without the risk owner's signature
# description: >-
#   A finding is marked accepted, but no risk acceptance for it (this model,
#   this engagement, this finding) is signed by the risk owner it names as a
#   member of the risk-owner role who is not the model's author.
# custom:
#   short_name: redteam_risk_not_accepted
#   failure_msg: >-
#     redteam: finding %s is marked accepted with risk owner %s, but no risk
#     acceptance of it is signed by that owner in the risk-owner role (%s)
deny contains result if {
	some record in reports
	some finding in record.predicate.findings
	finding.status == "accepted"
	not accepted(record, finding)
	owners := concat(", ", object.get(limits, "risk_owners", []))
	params := [finding.id, object.get(finding, "riskOwner", "none"), owners]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "redteam")
}

# METADATA
# title: Red-team engagement not over
# description: >-
#   The engagement ends after the evaluation time, or before it starts: a
#   report cannot sign off an engagement that is still running.
# custom:
#   short_name: redteam_engagement_not_over
#   failure_msg: "redteam: engagement %s runs from %s to %s, which is not over at %s"
deny contains result if {
	some record in reports
	not engagement_over(record)
	engagement := record.predicate.engagement
	params := [engagement.id, engagement.start, engagement.end, input.evaluation_time]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "redteam")
}

# METADATA
# title: Red-team engagement too old
# description: >-
#   The engagement ended longer ago than policy data lets a red-team report
#   speak for a model.
# custom:
#   short_name: redteam_engagement_stale
#   failure_msg: "redteam: engagement %s ended %s, more than %s seconds before %s"
deny contains result if {
	some record in reports
	input.evaluation_time_ms - record.times_ms.engagement_end > max_engagement_age_ms
	engagement := record.predicate.engagement
	max_age := object.get(limits, "max_engagement_age_seconds", "none")
	params := [engagement.id, engagement.end, max_age, input.evaluation_time]
	result := lib.result_helper_with_gate(rego.metadata.chain(), params, "redteam")
}

# METADATA
# title: Red-team sign-off without provenance
# description: >-
#   The stage requires the red team's sign-off but not provenance, so nothing
#   shows the red team is not the model's author.
# custom:
#   short_name: redteam_without_provenance
#   failure_msg: >-
#     redteam: stage %s requires the red team's sign-off but not provenance,
#     so the red team cannot be checked against the model's author
deny contains result if {
	"redteam" in lib.required_gates
	not "provenance" in lib.required_gates
	result := lib.result_helper_with_gate(rego.metadata.chain(), [input.stage], "redteam")
}
