import { logGamma as logGammaOf } from './special.ts';

/**
 * A seeded pseudo-random generator (xoshiro128**, seeded through splitmix32),
 * so every resampling is reproducible from the seed a gate records. Integers
 * use Lemire's multiply-and-reject method: exactly uniform, and fast enough
 * for a bootstrap that draws hundreds of millions of them.
 */
export interface SeededRandom {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n), n <= 2^32. */
  int(n: number): number;
  /** One bootstrap resample as counts: `counts.length` draws with replacement over as many items. */
  drawCounts(counts: Uint32Array): void;
  /** Fills `out` with uniform integers in [0, range), range <= 2^32. */
  fillIndices(out: Uint32Array, range: number): void;
}

const TWO_32 = 4294967296;
const INVERSE_TWO_32 = 1 / TWO_32;

// One reusable index buffer per length, so resampling allocates nothing per resample.
let buffer = new Uint32Array(0);
function scratch(length: number): Uint32Array {
  if (buffer.length < length) buffer = new Uint32Array(length);
  return buffer.subarray(0, length);
}
// Lemire's product x * n of a 32-bit x is exact in a double up to n = 2^21;
// wider ranges draw 53 bits and reduce them modulo n, rejecting the top
// 2^53 mod n values so every result stays equally likely.
const LEMIRE_RANGE = 2 ** 21;
const MAX_RANGE = 2 ** 32;
const TWO_53 = 2 ** 53;

export function seededRandom(seed: number): SeededRandom {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
  // The low word seeds the splitmix stream; the high word is folded into the
  // last two state words, so distinct seeds give distinct states.
  const high = Math.floor(seed / TWO_32);
  let state = seed >>> 0;
  const splitmix = () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = (splitmix() ^ high) >>> 0;
  let d = (splitmix() ^ Math.imul(high, 0x9e3779b1)) >>> 0;
  const nextUint32 = (): number => {
    const five = Math.imul(b, 5);
    const result = Math.imul((five << 7) | (five >>> 25), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    return result;
  };
  // Lemire: m = x * n is exact in a double for n <= 2^21; reject the few low
  // products that would make some results more likely than others.
  const below = (n: number, threshold: number): number => {
    for (;;) {
      const m = nextUint32() * n;
      const high = Math.floor(m / TWO_32);
      if (m - high * TWO_32 >= threshold) return high;
    }
  };
  const checkRange = (n: number) => {
    if (!Number.isInteger(n) || n < 1 || n > MAX_RANGE) throw new RangeError(`integer range must be 1..${MAX_RANGE}, got ${n}`);
  };
  const wide = (n: number, limit: number): number => {
    for (;;) {
      const r = (nextUint32() >>> 11) * TWO_32 + nextUint32();
      if (r < limit) return r % n;
    }
  };
  return {
    seed,
    next: () => nextUint32() / TWO_32,
    int(n: number) {
      checkRange(n);
      return n <= LEMIRE_RANGE ? below(n, (TWO_32 - n) % n) : wide(n, TWO_53 - (TWO_53 % n));
    },
    drawCounts(counts: Uint32Array) {
      counts.fill(0);
      const indices = scratch(counts.length);
      this.fillIndices(indices, counts.length);
      for (let i = 0; i < indices.length; i++) counts[indices[i]!]!++;
    },
    fillIndices(out: Uint32Array, range: number) {
      checkRange(range);
      if (range > LEMIRE_RANGE) {
        const limit = TWO_53 - (TWO_53 % range);
        for (let i = 0; i < out.length; i++) out[i] = wide(range, limit);
        return;
      }
      const threshold = (TWO_32 - range) % range;
      // The generator inlined over local copies of its state: this loop runs
      // n times per resample, thousands of resamples per gate.
      let s0 = a;
      let s1 = b;
      let s2 = c;
      let s3 = d;
      for (let i = 0; i < out.length; ) {
        const five = Math.imul(s1, 5);
        const x = Math.imul((five << 7) | (five >>> 25), 9) >>> 0;
        const t = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = (s3 << 11) | (s3 >>> 21);
        const m = x * range;
        // Multiplying by 2^-32 is exact, and cheaper than dividing.
        const high = Math.floor(m * INVERSE_TWO_32);
        if (m - high * TWO_32 < threshold) continue;
        out[i++] = high;
      }
      a = s0;
      b = s1;
      c = s2;
      d = s3;
    },
  };
}

/**
 * An exact Binomial(n, p) draw: inversion from zero when n·p is small,
 * otherwise a search outward from the mode (about one standard deviation of
 * steps), with probabilities from log-gamma.
 */
export function binomial(n: number, p: number, random: SeededRandom): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(n, 1 - p, random);
  const u = random.next();
  if (n * p < 20) {
    let probability = Math.pow(1 - p, n);
    let cumulative = probability;
    const ratio = p / (1 - p);
    let x = 0;
    while (u > cumulative && x < n) {
      probability *= (ratio * (n - x)) / (x + 1);
      x++;
      cumulative += probability;
    }
    return x;
  }
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const logPmf = logChoose(n, mode) + mode * Math.log(p) + (n - mode) * Math.log1p(-p);
  const atMode = Math.exp(logPmf);
  let remaining = u - atMode;
  if (remaining <= 0) return mode;
  let low = mode;
  let high = mode;
  let pLow = atMode;
  let pHigh = atMode;
  const ratio = p / (1 - p);
  for (;;) {
    if (low > 0) {
      pLow *= low / ((n - low + 1) * ratio);
      low--;
      remaining -= pLow;
      if (remaining <= 0) return low;
    }
    if (high < n) {
      pHigh *= (ratio * (n - high)) / (high + 1);
      high++;
      remaining -= pHigh;
      if (remaining <= 0) return high;
    }
    if (low === 0 && high === n) return mode;
  }
}

function logChoose(n: number, k: number): number {
  return logGammaOf(n + 1) - logGammaOf(k + 1) - logGammaOf(n - k + 1);
}
