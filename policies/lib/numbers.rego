# Numbers in messages
#
# A decision must read the same, byte for byte, in gatehouse (OPA compiled to
# WebAssembly, run by @open-policy-agent/opa-wasm) and in native opa eval,
# where an auditor may replay it. sprintf cannot promise that for numbers: the
# WebAssembly runtime formats them with JavaScript's String(n) (0.00005, 1e-7)
# and native OPA with Go's %v (5e-05, 1e-07). Messages therefore take every
# number as a string from format_number, with %s.
#
# format_number reads the number's decimal text from json.marshal, which the
# WebAssembly module implements itself (it is not one of the SDK's JavaScript
# builtins), and does the rest on strings. Both runtimes write a number from
# input or data as its JSON literal; a number computed in Rego is exact decimal
# in WebAssembly and a 64-bit binary float natively, which the first rounding
# step below absorbs. The format:
#
# 1. The value is rounded half away from zero to 15 significant digits.
# 2. A whole number below 10^15 in magnitude is written in full: 604800, -3.
# 3. Anything else is rounded half away from zero to 6 significant digits,
#    trailing zeros dropped, and written plainly when 1e-6 <= |x| < 1e6
#    (0.00005, -0.123457, 1234.57), otherwise as d[.ddddd]e+N or e-N
#    (1e-7, -1.23457e+6, 1e+21).
# 4. Zero is 0; negative numbers start with a minus sign.
package lib

# A number as messages write it (see the format above). Never undefined: were
# the text ever unreadable, the number's JSON would stand in rather than a
# violation go missing.
format_number(x) := formatted(decimal_of(x)) if is_number(x)

else := json.marshal(x)

formatted(decimal) := "0" if decimal.digits == ""

formatted(decimal) := concat("", [sign, written(round_significant(decimal, 15))]) if {
	decimal.digits != ""
	sign := {true: "-", false: ""}[decimal.negative]
}

# A number's text split into sign, significant digits (no leading or trailing
# zeros; empty for zero) and the power of ten of the first of them.
decimal_of(x) := {"negative": startswith(text, "-"), "digits": trim_right(significant, "0"), "point": point} if {
	text := json.marshal(x)
	parts := split(lower(trim_prefix(text, "-")), "e")
	halves := split(parts[0], ".")
	digits := concat("", halves)
	significant := trim_left(digits, "0")
	point := ((count(halves[0]) - count(digits)) + count(significant)) + (exponent(parts) - 1)
}

exponent(parts) := to_number(trim_prefix(parts[1], "+")) if count(parts) == 2

exponent(parts) := 0 if count(parts) == 1

# Step 2 (after step 1, rounding to 15 digits): whole numbers below 10^15, in full.
written(decimal) := concat("", [decimal.digits, zeros((decimal.point - count(decimal.digits)) + 1)]) if whole(decimal)

# Step 3: everything else, to 6 significant digits.
written(decimal) := laid_out(round_significant(decimal, 6)) if not whole(decimal)

whole(decimal) if {
	decimal.point < 15
	decimal.point >= count(decimal.digits) - 1
}

# 1e-6 <= |x| < 1e6 is written plainly.
plain(decimal) if {
	decimal.point >= -6
	decimal.point < 6
}

laid_out(decimal) := concat("", [decimal.digits, zeros((decimal.point - count(decimal.digits)) + 1)]) if {
	plain(decimal)
	decimal.point >= count(decimal.digits) - 1
}

laid_out(decimal) := concat(".", [whole_part, fraction]) if {
	plain(decimal)
	decimal.point >= 0
	decimal.point < count(decimal.digits) - 1
	whole_part := substring(decimal.digits, 0, decimal.point + 1)
	fraction := substring(decimal.digits, decimal.point + 1, -1)
}

laid_out(decimal) := concat("", ["0.", zeros(-1 - decimal.point), decimal.digits]) if {
	plain(decimal)
	decimal.point < 0
}

laid_out(decimal) := concat("", [mantissa(decimal.digits), "e", sign, format_int(abs(decimal.point), 10)]) if {
	not plain(decimal)
	sign := exponent_sign(decimal.point)
}

mantissa(digits) := digits if count(digits) == 1

mantissa(digits) := concat(".", [substring(digits, 0, 1), substring(digits, 1, -1)]) if count(digits) > 1

exponent_sign(point) := "+" if point >= 0

exponent_sign(point) := "-" if point < 0

# The decimal rounded half away from zero to n significant digits, trailing zeros dropped.
round_significant(decimal, n) := decimal if count(decimal.digits) <= n

round_significant(decimal, n) := object.union(decimal, {"digits": trim_right(head, "0")}) if {
	count(decimal.digits) > n
	substring(decimal.digits, n, 1) < "5"
	head := substring(decimal.digits, 0, n)
}

round_significant(decimal, n) := object.union(decimal, incremented(substring(decimal.digits, 0, n), decimal.point)) if {
	count(decimal.digits) > n
	substring(decimal.digits, n, 1) >= "5"
}

# A digit string plus one in its last place: trailing nines carry (and are
# dropped, as trailing zeros); all nines carry into a new leading 1.
incremented(digits, point) := {"digits": "1", "point": point + 1} if trim_right(digits, "9") == ""

incremented(digits, point) := {"digits": concat("", [before, next_digit[last]]), "point": point} if {
	kept := trim_right(digits, "9")
	kept != ""
	before := substring(kept, 0, count(kept) - 1)
	last := substring(kept, count(kept) - 1, 1)
}

next_digit := {"0": "1", "1": "2", "2": "3", "3": "4", "4": "5", "5": "6", "6": "7", "7": "8", "8": "9"}

# n zeros (0 <= n <= 20).
zeros(n) := substring("00000000000000000000", 0, n)
