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
