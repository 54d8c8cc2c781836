#!/usr/bin/env python3
"""Golden streams of gatehouse's seeded generator, from an independent implementation.

gatehouse records the seed of every resampling, and a replay must draw the same
numbers for years: the generator is part of the record's meaning. This script
implements it again from its definition, in Python integers rather than
JavaScript's 32-bit operations:
- the seed's low 32 bits start a splitmix32 stream (state += 0x9e3779b9, then
  the murmur3 finaliser), whose first four outputs are the xoshiro128** state;
  the seed's high bits are folded into the third word, and, times 0x9e3779b1,
  into the fourth;
- xoshiro128** (Blackman and Vigna): result rotl(s1 * 5, 7) * 9;
- next() is a 32-bit output over 2^32;
- integers below n <= 2^21 by Lemire's multiply-and-reject (reject when the low
  32 bits of x * n fall below 2^32 mod n); wider n from 53 bits (21 high bits of
  one output, then a whole output), rejecting the top 2^53 mod n values.

Writes test/fixtures/golden/random.json; test/stats/random.test.ts compares
src/stats/random.ts against it. Run from the repository root:
    .venv/bin/python scripts/golden/random.py
"""

import hashlib
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "test" / "fixtures" / "golden" / "random.json"
MASK = 0xFFFFFFFF
LEMIRE_RANGE = 2**21


def rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & MASK


class Generator:
    def __init__(self, seed):
        high, state = seed >> 32, seed & MASK

        def splitmix():
            nonlocal state
            state = (state + 0x9E3779B9) & MASK
            z = state
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & MASK
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & MASK
            return z ^ (z >> 16)

        a, b, c, d = splitmix(), splitmix(), splitmix(), splitmix()
        self.s = [a, b, c ^ high, d ^ ((high * 0x9E3779B1) & MASK)]
        self.rejections = 0

    def uint32(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 9) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 11)
        return result

    def below(self, n):
        if n <= LEMIRE_RANGE:
            threshold = (2**32 - n) % n
            while True:
                m = self.uint32() * n
                if m & MASK >= threshold:
                    return m >> 32
                self.rejections += 1
        limit = 2**53 - 2**53 % n
        while True:
            r = (self.uint32() >> 11) * 2**32 + self.uint32()
            if r < limit:
                return r % n
            self.rejections += 1


def stream_digest(values):
    return hashlib.sha256(b"".join(v.to_bytes(4, "little") for v in values)).hexdigest()


# The range up to 2^21 with the largest 2^32 mod n: the most rejections Lemire's method makes.
REJECTING = max(range(LEMIRE_RANGE // 2, LEMIRE_RANGE + 1), key=lambda n: (2**32 % n, n))
SEEDS = [0, 1, 123, 2**32 - 1, 2**32, 2**32 + 1, 2**40 + 5, 2**52 - 1, 2**53 - 1]
RANGES = [1, 2, 6, 1000, REJECTING, LEMIRE_RANGE, LEMIRE_RANGE + 1, 3_000_000_019, 2**32]


def main():
    long_draws = Generator(11)
    rejecting = [long_draws.below(REJECTING) for _ in range(200_000)]
    wide = Generator(13)
    wide_draws = [wide.below(3_000_000_019) for _ in range(2_000)]
    after_fill = []
    for seed, n in [(5, 10), (6, 3_000_000_019)]:
        after = Generator(seed)
        filled = [after.below(n) for _ in range(3)]
        after_fill.append({"seed": seed, "range": n, "filled": filled, "then_uint32": [after.uint32() for _ in range(4)]})
    golden = {
        "generator": "scripts/golden/random.py (an independent implementation in Python integers)",
        "streams": [{"seed": seed, "uint32": [g.uint32() for _ in range(6)]} for seed in SEEDS for g in [Generator(seed)]],
        "integers": [{"seed": 7, "n": n, "draws": [g.below(n) for _ in range(6)]} for n in RANGES for g in [Generator(7)]],
        "rejecting": {
            "seed": 11,
            "n": REJECTING,
            "count": len(rejecting),
            "rejections": long_draws.rejections,
            "first": rejecting[:6],
            "sha256": stream_digest(rejecting),
        },
        "wide": {"seed": 13, "n": 3_000_000_019, "count": len(wide_draws), "first": wide_draws[:6], "sha256": stream_digest(wide_draws)},
        "after_fill": after_fill,
    }
    assert golden["rejecting"]["rejections"] > 0, "the rejecting stream must reject"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {long_draws.rejections} rejections in the Lemire stream")


if __name__ == "__main__":
    main()
