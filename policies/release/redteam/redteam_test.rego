package release.redteam_test

import data.lib.fixtures_test as f
import data.release.redteam

day_ms := 86400000

redteam_type := "https://gatehouse.dev/attestations/redteam/v1"

# Policy data with the red-team gate: a stage that requires it with provenance, and one without.
gatehouse_data := object.union(f.gatehouse_data, {
	"stages": {
		"release": {"required_gates": ["provenance", "redteam"]},
		"redteam-only": {"required_gates": ["redteam"]},
	},
	"gates": {"redteam": {
		"predicate_type": redteam_type, "signers": ["red-team"],
		"max_age_seconds": 86400, "compares_with_deployed": false,
	}},
	"thresholds": {"redteam": {
		"severities": ["info", "low", "medium", "high", "critical"],
		"block_at": "high",
		"risk_owners": ["risk-owner"],
		"max_engagement_age_seconds": 2592000,
	}},
})

# A critical finding mitigated, a medium one open, a high one accepted by the risk owner.
findings := [
	{
		"id": "F-1", "title": "jailbreak by role play", "severity": "critical",
		"status": "mitigated", "evidence": [],
	},
	{"id": "F-2", "title": "prompt leak", "severity": "medium", "status": "open", "evidence": []},
	{
		"id": "F-3", "title": "indirect injection", "severity": "high", "status": "accepted",
		"riskOwner": "risk-owner", "evidence": [],
	},
]

report := {
	"gate": "redteam", "verdict": "pass", "evaluatedAt": "2027-01-15T07:50:00Z", "reasons": [],
	"policy": {"digest": f.policy_digest},
	"engagement": {
		"id": "RT-1", "scope": ["jailbreak"],
		"start": "2027-01-05T08:00:00Z", "end": "2027-01-13T08:00:00Z",
	},
	"model": {"digest": f.artifact},
	"findings": findings,
}

# The red team's record, as TypeScript puts it in the input, changed by patch.
record(patch) := object.union(
	{
		"id": "sha256:redteam", "verified": true,
		"signer": {"name": "key:SHA256:red-team", "ids": ["red-team"]},
		"predicate_type": redteam_type, "subjects": [f.artifact],
		"evaluated_at_ms": f.now_ms - 600000, "signed_at_ms": null, "expected_seed": null,
		"times_ms": {"engagement_start": f.now_ms - (10 * day_ms), "engagement_end": f.now_ms - (2 * day_ms)},
		"predicate": report,
	},
	patch,
)

# The record with its predicate changed by patch.
predicate_patched(patch) := record({"predicate": object.union(report, patch)})

# The risk owner's acceptance of F-3, changed by patch.
acceptance(patch) := object.union(
	{
		"id": "sha256:acceptance", "verified": true,
		"signer": {"name": "key:SHA256:risk-owner", "ids": ["risk-owner"]},
		"predicate_type": "https://gatehouse.dev/attestations/risk-acceptance/v1",
		"subjects": [f.artifact],
		"evaluated_at_ms": f.now_ms - 300000, "signed_at_ms": null, "expected_seed": null,
		"predicate": {
			"engagement": "RT-1", "finding": "F-3",
			"rationale": "mitigated upstream", "createdAt": "2027-01-15T07:55:00Z",
		},
	},
	patch,
)

request(stage, records) := f.request(stage, array.concat(f.chain, records))

# The record with one more finding.
with_finding(finding) := predicate_patched({"findings": array.concat(findings, [finding])})

test_signed_off_model_allowed if {
	denials := redteam.deny with input as request("release", [record({}), acceptance({})])
		with data.gatehouse as gatehouse_data
	count(denials) == 0
}

test_report_for_another_model_denied if {
	other := predicate_patched({"model": {"digest": f.other_artifact}})
	denials := redteam.deny with input as request("release", [other, acceptance({})])
		with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == [sprintf("redteam: the report covers %s, not %s", [f.other_artifact, f.artifact])]
}

test_open_finding_at_or_above_block_at_denied if {
	open_high := {"id": "F-4", "title": "data exfiltration", "severity": "high", "status": "open", "evidence": []}
	denials := redteam.deny with input as request("release", [with_finding(open_high), acceptance({})])
		with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == ["redteam: finding F-4 (high) is open; open findings at or above high block"]
}

test_open_finding_below_block_at_allowed if {
	open_low := {"id": "F-4", "title": "verbose errors", "severity": "low", "status": "open", "evidence": []}
	denials := redteam.deny with input as request("release", [with_finding(open_low), acceptance({})])
		with data.gatehouse as gatehouse_data
	count(denials) == 0
}

test_severity_off_the_scale_denied_and_blocks_when_open if {
	odd := {"id": "F-4", "title": "odd", "severity": "severe", "status": "mitigated", "evidence": []}
	mitigated := redteam.deny with input as request("release", [with_finding(odd), acceptance({})])
		with data.gatehouse as gatehouse_data
	[v.msg | some v in mitigated] == [concat("", [
		"redteam: finding F-4 has severity severe, ",
		"not on the policy's scale (info, low, medium, high, critical)",
	])]
	open_odd := object.union(odd, {"status": "open"})
	open := redteam.deny with input as request("release", [with_finding(open_odd), acceptance({})])
		with data.gatehouse as gatehouse_data
	{v.code | some v in open} == {"redteam_severity_unknown", "redteam_open_finding"}
}

test_block_at_off_the_scale_blocks_every_open_finding if {
	off_scale := object.union(gatehouse_data, {"thresholds": {"redteam": {"block_at": "severe"}}})
	denials := redteam.deny with input as request("release", [record({}), acceptance({})])
		with data.gatehouse as off_scale
	[v.msg | some v in denials] == ["redteam: finding F-2 (medium) is open; open findings at or above severe block"]
}

test_no_thresholds_in_data_denies if {
	without := json.remove(gatehouse_data, ["thresholds/redteam"])
	denials := redteam.deny with input as request("release", [record({}), acceptance({})])
		with data.gatehouse as without
	{v.code | some v in denials} == {
		"redteam_severity_unknown", "redteam_open_finding",
		"redteam_risk_not_accepted", "redteam_engagement_stale",
	}
}

test_accepted_risk_without_acceptance_denied if {
	denials := redteam.deny with input as request("release", [record({})]) with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == [concat("", [
		"redteam: finding F-3 is marked accepted with risk owner risk-owner, but no risk ",
		"acceptance of it is signed by that owner in the risk-owner role (risk-owner)",
	])]
}

# Acceptances that do not count, each for one reason.
void_acceptances := [
	acceptance({"signer": {"name": "key:SHA256:red-team", "ids": ["red-team"]}}),
	acceptance({"signer": f.model_author}),
	acceptance({"predicate": object.union(acceptance({}).predicate, {"finding": "F-2"})}),
	acceptance({"predicate": object.union(acceptance({}).predicate, {"engagement": "RT-0"})}),
	acceptance({"subjects": [f.other_artifact]}),
	acceptance({"evaluated_at_ms": f.now_ms + 1000}),
	acceptance({"signed_at_ms": f.now_ms - 400000}),
	acceptance({"verified": false}),
]

test_acceptance_that_does_not_count_denied if {
	every void in void_acceptances {
		denials := redteam.deny with input as request("release", [record({}), void])
			with data.gatehouse as gatehouse_data
		{v.code | some v in denials} == {"redteam_risk_not_accepted"}
	}
}

test_acceptance_by_another_owner_than_named_denied if {
	two_owners := object.union(gatehouse_data, {"thresholds": {"redteam": {"risk_owners": ["risk-owner", "other-owner"]}}})
	other_owner := acceptance({"signer": {"name": "key:SHA256:other-owner", "ids": ["other-owner"]}})
	denials := redteam.deny with input as request("release", [record({}), other_owner])
		with data.gatehouse as two_owners
	{v.code | some v in denials} == {"redteam_risk_not_accepted"}
}

test_engagement_not_over_denied if {
	running := record({"times_ms": {"engagement_start": f.now_ms - day_ms, "engagement_end": f.now_ms + day_ms}})
	denials := redteam.deny with input as request("release", [running, acceptance({})])
		with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == [concat("", [
		"redteam: engagement RT-1 runs from 2027-01-05T08:00:00Z to 2027-01-13T08:00:00Z, ",
		"which is not over at 2027-01-15T08:00:00Z",
	])]
	backwards := record({"times_ms": {"engagement_start": f.now_ms - day_ms, "engagement_end": f.now_ms - (2 * day_ms)}})
	reversed := redteam.deny with input as request("release", [backwards, acceptance({})])
		with data.gatehouse as gatehouse_data
	{v.code | some v in reversed} == {"redteam_engagement_not_over"}
}

test_engagement_too_old_denied if {
	old := record({"times_ms": {"engagement_start": f.now_ms - (40 * day_ms), "engagement_end": f.now_ms - (31 * day_ms)}})
	denials := redteam.deny with input as request("release", [old, acceptance({})])
		with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == [concat("", [
		"redteam: engagement RT-1 ended 2027-01-13T08:00:00Z, ",
		"more than 2592000 seconds before 2027-01-15T08:00:00Z",
	])]
}

test_redteam_without_provenance_denied if {
	denials := redteam.deny with input as request("redteam-only", [record({}), acceptance({})])
		with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == [concat("", [
		"redteam: stage redteam-only requires the red team's sign-off but not provenance, ",
		"so the red team cannot be checked against the model's author",
	])]
}

test_reports_judged_only_where_the_stage_requires_them if {
	denials := redteam.deny with input as request("staging", [record({})]) with data.gatehouse as gatehouse_data
	count(denials) == 0
}

test_engagement_over_at_its_edges_allowed if {
	# An engagement that ends the moment it starts, and one that ends exactly at the evaluation time.
	instant := record({"times_ms": {"engagement_start": f.now_ms - day_ms, "engagement_end": f.now_ms - day_ms}})
	ending_now := record({"times_ms": {"engagement_start": f.now_ms - day_ms, "engagement_end": f.now_ms}})
	every ended in [instant, ending_now] {
		denials := redteam.deny with input as request("release", [ended, acceptance({})])
			with data.gatehouse as gatehouse_data
		count(denials) == 0
	}
}

# A record of an engagement of a day that ended this long before the evaluation time.
ended_ago(age_ms) := record({"times_ms": {
	"engagement_start": (f.now_ms - age_ms) - day_ms,
	"engagement_end": f.now_ms - age_ms,
}})

test_engagement_ended_exactly_max_age_ago_allowed if {
	max_age_ms := 2592000 * 1000
	oldest := ended_ago(max_age_ms)
	denials := redteam.deny with input as request("release", [oldest, acceptance({})])
		with data.gatehouse as gatehouse_data
	count(denials) == 0
	older := ended_ago(max_age_ms + 1)
	too_old := redteam.deny with input as request("release", [older, acceptance({})])
		with data.gatehouse as gatehouse_data
	{v.code | some v in too_old} == {"redteam_engagement_stale"}
}

test_acceptance_of_another_predicate_type_denied if {
	# The risk owner's statement, right in every field but its type: not a risk acceptance.
	other_type := acceptance({"predicate_type": "https://gatehouse.dev/attestations/break-glass/v1"})
	denials := redteam.deny with input as request("release", [record({}), other_type])
		with data.gatehouse as gatehouse_data
	{v.code | some v in denials} == {"redteam_risk_not_accepted"}
}

test_acceptance_by_a_risk_owner_who_authored_the_model_denied if {
	# The risk owner's key is also a model signer id the provenance record names as the author.
	author_owner := acceptance({"signer": {"name": "key:SHA256:risk-owner", "ids": ["risk-owner", "trainer"]}})
	denials := redteam.deny with input as request("release", [record({}), author_owner])
		with data.gatehouse as gatehouse_data
	{v.code | some v in denials} == {"redteam_risk_not_accepted"}
}

test_messages_without_thresholds_in_data_say_none if {
	without := json.remove(gatehouse_data, ["thresholds/redteam"])
	denials := redteam.deny with input as request("release", [record({}), acceptance({})])
		with data.gatehouse as without
	msgs := {v.msg | some v in denials}
	"redteam: finding F-2 (medium) is open; open findings at or above none block" in msgs
	"redteam: engagement RT-1 ended 2027-01-13T08:00:00Z, more than none seconds before 2027-01-15T08:00:00Z" in msgs
}

test_accepted_finding_without_a_risk_owner_says_none if {
	ownerless := object.remove(findings[2], ["riskOwner"])
	denials := redteam.deny with input as request("release", [
		predicate_patched({"findings": [findings[0], findings[1], ownerless]}),
		acceptance({}),
	])
		with data.gatehouse as gatehouse_data
	[v.msg | some v in denials] == [concat("", [
		"redteam: finding F-3 is marked accepted with risk owner none, but no risk ",
		"acceptance of it is signed by that owner in the risk-owner role (risk-owner)",
	])]
}

test_no_provenance_denial_where_the_stage_does_not_require_the_red_team if {
	# Staging requires neither the red team nor provenance here: nothing to check the red team against.
	denials := redteam.deny with input as request("staging", [record({}), acceptance({})])
		with data.gatehouse as gatehouse_data
		with data.gatehouse.stages.staging.required_gates as ["integrity"]
	count(denials) == 0
}
