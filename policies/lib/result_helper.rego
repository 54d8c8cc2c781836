# Result helper
#
# Builds every violation the same way, from the METADATA of the rule that
# produced it: its short name, title and failure message.
package lib

# A violation for the calling rule; params fill its failure_msg placeholders.
result_helper(chain, params) := result_helper_with_gate(chain, params, "")

# A violation about one gate.
result_helper_with_gate(chain, params, gate) := {
	"code": rule_annotation(chain).custom.short_name,
	"title": rule_annotation(chain).title,
	"msg": sprintf(rule_annotation(chain).custom.failure_msg, params),
	"gate": gate,
}

rule_annotation(chain) := chain[0].annotations
