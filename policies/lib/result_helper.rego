# Result helper
#
# Builds every violation the same way, from the METADATA of the rule that
# produced it: its short name, title and failure message. Every parameter is
# written as a string first (show), so messages use only %s, read the same in
# OPA-WASM and native opa, and no parameter whoever wrote the evidence chose
# (a null, a number, an object) can break the runtime's sprintf.
package lib

# A violation for the calling rule; params fill its failure_msg placeholders.
result_helper(chain, params) := result_helper_with_gate(chain, params, "")

# A violation about one gate.
result_helper_with_gate(chain, params, gate) := {
	"code": rule_annotation(chain).custom.short_name,
	"title": rule_annotation(chain).title,
	"msg": sprintf(rule_annotation(chain).custom.failure_msg, [show(param) | some param in params]),
	"gate": gate,
}

rule_annotation(chain) := chain[0].annotations

# A message parameter as text: strings as they are, numbers by format_number,
# a list as its items, an object as its members in key order, anything else
# (null, booleans) as its JSON. Members and items nested deeper are named by
# type: the runtimes order a nested object's keys differently.
show(x) := x if is_string(x)

else := concat(", ", [show_scalar(item) | some item in x]) if is_array(x)

else := concat(", ", members(x)) if is_object(x)

else := show_scalar(x)

# An object's members as key=value, in key order.
members(x) := [sprintf("%s=%s", [key, show_scalar(x[key])]) | some key in sort([k | some k, _ in x])]

show_scalar(x) := x if is_string(x)

else := type_name(x) if {
	not is_null(x)
	not is_boolean(x)
	not is_number(x)
}

else := format_number(x)
