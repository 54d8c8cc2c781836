package lib_test

import data.lib

# The examples of the format documented in numbers.rego, and its edges.
test_format_number_as_documented if {
	cases := {
		# Whole numbers below 10^15, in full.
		[0, "0"], [3, "3"], [-3, "-3"], [604800, "604800"], [1234567, "1234567"],
		[5.0, "5"], [1e6, "1000000"], [999999999999999, "999999999999999"],
		# Otherwise 6 significant digits, half away from zero.
		[0.00005, "0.00005"], [1e-6, "0.000001"], [0.1234565, "0.123457"], [-0.1234565, "-0.123457"],
		[0.1234564, "0.123456"], [1234.5678, "1234.57"], [99999.95, "100000"], [0.30000000000000004, "0.3"],
		[123456.5, "123457"], [2.5, "2.5"], [-0.0000123, "-0.0000123"],
		# Rounded between 1 and 10, and exactly six digits written with an exponent: their JSON differs.
		[1.2345678, "1.23457"], [1.23456e20, "1.23456e+20"],
		# Exponent form outside 1e-6 <= |x| < 1e6.
		[1e-7, "1e-7"], [-1234567.5, "-1.23457e+6"], [999999.5, "1e+6"], [1e15, "1e+15"],
		[1e21, "1e+21"], [1.5e20, "1.5e+20"], [12345678901234567, "1.23457e+16"], [9.9999e-7, "9.9999e-7"],
		[5e-324, "5e-324"], [1.7976931348623157e308, "1.79769e+308"],
	}
	every c in cases {
		lib.format_number(c[0]) == c[1]
	}
}

test_format_number_of_computed_numbers if {
	# Native OPA computes these in 64-bit binary floating point; the 15-digit step absorbs it.
	lib.format_number(0.1 * 3) == "0.3"
	lib.format_number(0.00005 * 10) == "0.0005"
	lib.format_number(1 / 3) == "0.333333"
	lib.format_number(0.1 * 12345670) == "1234567"
}

test_format_number_of_a_non_number_is_its_json if {
	lib.format_number("5") == "\"5\""
	lib.format_number(null) == "null"
}
