package lib_test

import data.lib
import data.lib.fixtures_test as f

test_rule_data_defaults if {
	lib.rule_data("max_age_seconds") == 604800 with data.gatehouse as {}
	lib.rule_data("max_age_seconds") == 60 with data.gatehouse as {"max_age_seconds": 60}
}

test_thresholds_default_to_none if {
	lib.thresholds("approval") == {} with data.gatehouse as f.gatehouse_data
}

test_show_writes_every_kind_of_parameter if {
	lib.show("text %s") == "text %s"
	lib.show(0.00005) == "0.00005"
	lib.show(null) == "null"
	lib.show(true) == "true"
	lib.show([1, "a", {"x": 1}, [2]]) == "1, a, object, array"
	lib.show({"b": 2, "a": null, "c": {"d": 1}}) == "a=null, b=2, c=object"
}
