// Special functions the intervals and tests need: the normal distribution,
// log-gamma and the regularised incomplete beta function with its inverse.
import { fromOrderedKey, orderedKey } from './doubles.ts';

/** Standard normal CDF, via erfc for accuracy in the tails. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Standard normal quantile (Wichura's AS 241, about 1e-16 relative accuracy). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new RangeError(`normal quantile needs 0 <= p <= 1, got ${p}`);
  }
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r + 13731.693765509461125) * r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r + 5394.1960214247511077) * r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r + 3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r + 0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    value =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r + 0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r + 0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -value : value;
}

/** Complementary error function: Taylor series of erf below 2, Lentz's continued fraction above. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const value = z < 2 ? 1 - erfSeries(z) : erfcContinuedFraction(z);
  return x >= 0 ? value : 2 - value;
}

function erfSeries(z: number): number {
  let sum = z;
  let term = z;
  const z2 = z * z;
  for (let n = 1; n < 200; n++) {
    term *= -z2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

// erfc(z) = exp(-z^2)/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))).
function erfcContinuedFraction(z: number): number {
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = z + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = z + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
}

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  const y = x - 1;
  let a = c[0]!;
  const t = y + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

// log(2π)/2.
const HALF_LOG_2PI = 0.918938533204672742;

// logGamma(x) - ((x - 1/2) log x - x + log(2π)/2) for x >= 10: Stirling's series to x^-11 (next term below 1e-15).
function stirlingCorrection(x: number): number {
  const x2 = 1 / (x * x);
  return (1 / 12 - x2 * (1 / 360 - x2 * (1 / 1260 - x2 * (1 / 1680 - x2 * (1 / 1188 - (x2 * 691) / 360360))))) / x;
}

/**
 * log B(a, b) = log Γ(a) + log Γ(b) - log Γ(a + b), with the large terms
 * cancelled algebraically when an argument is 10 or more (as R's lbeta): the
 * three log-gammas of a Clopper-Pearson bound at n = 10^6 are about 10^7 each,
 * and their difference taken directly loses ten digits.
 */
export function logBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (p >= 10) {
    const correction = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(p + q);
    return -0.5 * Math.log(q) + HALF_LOG_2PI + correction + (p - 0.5) * Math.log(p / (p + q)) + q * Math.log1p(-p / (p + q));
  }
  if (q >= 10) {
    const correction = stirlingCorrection(q) - stirlingCorrection(p + q);
    return logGamma(p) + correction + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
  }
  return logGamma(p) + logGamma(q) - logGamma(p + q);
}

/** The regularised incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b));
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return f;
}

/**
 * The p-quantile of the Beta(a, b) distribution: the smallest double x in
 * [0, 1] with I_x(a, b) >= p, by bisection over the doubles in order (their
 * bit patterns), so a quantile near 0 keeps its relative precision as one
 * near 1 does (a bisection on the value stops at an absolute width).
 */
export function betaQuantile(p: number, a: number, b: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  // The answer's key lies in (low, high]: I_0 = 0 < p <= 1 = I_1.
  let low = 0n;
  let high = ONE_KEY;
  while (high - low > 1n) {
    const mid = (low + high) >> 1n;
    if (incompleteBeta(fromOrderedKey(mid), a, b) < p) low = mid;
    else high = mid;
  }
  return fromOrderedKey(high);
}

const ONE_KEY = orderedKey(1);

/** Student t CDF with df degrees of freedom (df > 0), from the incomplete beta function. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`Student t needs df > 0, got ${df}`);
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  return t >= 0 ? 1 - studentTTail(t, df) : studentTTail(t, df);
}

// P(T > |t|) = I_x(df/2, 1/2) / 2 with x = df / (df + t^2). Where incompleteBeta would take
// the complement 1 - I_{1-x}(1/2, df/2) (x past (a + 1)/(a + b + 2)), it is taken here, with
// 1 - x = t^2 / (df + t^2) computed directly: x itself rounds to 1 when t^2 is small beside df.
function studentTTail(t: number, df: number): number {
  const t2 = t * t;
  const y = t2 / (df + t2);
  return y < 1.5 / (df / 2 + 2.5) ? 0.5 * (1 - incompleteBeta(y, 0.5, df / 2)) : 0.5 * incompleteBeta(df / (df + t2), df / 2, 0.5);
}

/**
 * Student t quantile with df degrees of freedom: closed forms for 1 and 2
 * degrees of freedom, Hill's Cornish-Fisher expansion above 10^4 (where it
 * agrees to 1e-12), otherwise Newton's method on the CDF from the expansion,
 * falling back to inverting the incomplete beta function by bisection.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`Student t needs df > 0, got ${df}`);
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new RangeError(`t quantile needs 0 <= p <= 1, got ${p}`);
  }
  if (p === 0.5) return 0;
  // The upper tail's quantile for the smaller tail probability, taken as given (1 - p would round a tiny p away).
  const sign = p < 0.5 ? -1 : 1;
  const tail = p < 0.5 ? p : 1 - p;
  if (df === 1) return sign / Math.tan(Math.PI * tail);
  if (df === 2) return (sign * (1 - 2 * tail)) / Math.sqrt(2 * tail * (1 - tail));
  const z = -normalQuantile(tail);
  const z2 = z * z;
  const expansion = z + (z * (z2 + 1)) / (4 * df) + (z * ((5 * z2 + 16) * z2 + 3)) / (96 * df * df) + (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / (384 * df ** 3);
  if (df > 1e4) return sign * expansion;
  return sign * (tailQuantileByNewton(tail, df, expansion) ?? tailQuantileByBeta(tail, df));
}

/**
 * The t with P(T > t) = tail (0 < tail < 1/2) by Newton's method on the upper
 * tail from `start`, so a tail near 0 keeps its precision; undefined when it
 * does not converge to 1e-12 relative. Exported for its tests (studentTQuantile
 * falls back to tailQuantileByBeta, so a broken Newton step would only be slower).
 */
export function tailQuantileByNewton(tail: number, df: number, start: number): number | undefined {
  const logNorm = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  let t = start;
  let step = Infinity;
  for (let i = 0; i < 30; i++) {
    const upper = studentTTail(t, df);
    const density = Math.exp(logNorm - ((df + 1) / 2) * Math.log1p((t * t) / df));
    const next = t - (tail - upper) / density;
    if (!Number.isFinite(next) || next <= 0) break;
    const previous = step;
    step = Math.abs(next - t);
    t = next;
    // Converged, or down to the CDF's own rounding (the steps stop shrinking).
    if (step <= 1e-15 * t || (step >= previous && step <= 1e-12 * t)) return t;
  }
  return step <= 1e-12 * t ? t : undefined;
}

/** The t with P(T > t) = tail (0 < tail < 1/2) by inverting the incomplete beta function: P(|T| > t) = I_{df/(df+t^2)}(df/2, 1/2) = 2 · tail. */
export function tailQuantileByBeta(tail: number, df: number): number {
  const x = betaQuantile(2 * tail, df / 2, 0.5);
  return Math.sqrt((df * (1 - x)) / x);
}
