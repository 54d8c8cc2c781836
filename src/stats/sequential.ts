// Alpha spending for a canary that is looked at while it runs: each look may
// stop it, so each look gets a share of the false-alarm rate, and the shares
// add up to no more than the rate the whole canary is allowed.
import { normalCdf, normalQuantile } from './special.ts';

/**
 * A Lan-DeMets alpha-spending function: the cumulative one-sided alpha that may
 * have been spent by information fraction t in (0, 1] (for a canary, the
 * samples seen over the samples planned), increasing in t and equal to alpha
 * at t = 1, so the looks can fall wherever the canary's schedule puts them.
 */
export type AlphaSpendingFunction = (alpha: number, informationFraction: number) => number;

/**
 * O'Brien-Fleming-type spending (Lan and DeMets 1983), for one-sided alpha:
 * alpha(t) = 2 - 2·Phi(z_{1-alpha/2} / sqrt(t)), computed as
 * 2·Phi(z_{alpha/2} / sqrt(t)) to keep its tiny early values exact; at t = 1
 * it is 2 - 2·(1 - alpha/2) = alpha (returned exactly). It spends almost
 * nothing early, so a canary stops early only on overwhelming evidence and
 * keeps nearly all of alpha for the final look.
 */
export function obrienFlemingSpending(alpha: number, informationFraction: number): number {
  checkSpendingArguments(alpha, informationFraction);
  if (informationFraction === 1) return alpha;
  return 2 * normalCdf(normalQuantile(alpha / 2) / Math.sqrt(informationFraction));
}

/**
 * Pocock-type spending (Lan and DeMets 1983), for one-sided alpha:
 * alpha(t) = alpha·ln(1 + (e - 1)·t), alpha at t = 1; it spends evenly enough
 * that an early look can stop a clearly bad canary, at the price of a smaller
 * share for the final look than O'Brien-Fleming-type spending leaves.
 */
export function pocockSpending(alpha: number, informationFraction: number): number {
  checkSpendingArguments(alpha, informationFraction);
  if (informationFraction === 1) return alpha;
  return alpha * Math.log1p((Math.E - 1) * informationFraction);
}

/**
 * The one-sided alpha each look is tested at: the increments
 * alpha(t_k) - alpha(t_{k-1}) of the spending function at the looks'
 * information fractions (strictly increasing, in (0, 1]; alpha(t_0) = 0).
 * Testing each look at its increment and stopping at the first rejection
 * keeps the overall false-alarm rate at most alpha(t_last) <= alpha by the
 * union bound, whatever the correlation between the looks; that is
 * conservative, because looks at accumulating data are strongly correlated
 * (group-sequential boundaries computed from that correlation are sharper).
 */
export function alphaSpentPerLook(alpha: number, spending: AlphaSpendingFunction, informationFractions: readonly number[]): number[] {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`one-sided alpha must be in (0, 1), got ${alpha}`);
  let previousFraction = 0;
  let previousSpent = 0;
  return informationFractions.map((fraction) => {
    if (!(fraction > previousFraction && fraction <= 1)) {
      throw new RangeError(`information fractions must increase strictly within (0, 1], got ${fraction} after ${previousFraction}`);
    }
    // Never more than alpha in all, nor a negative share, whatever rounding the function suffers.
    const spent = Math.min(alpha, Math.max(previousSpent, spending(alpha, fraction)));
    const increment = spent - previousSpent;
    previousFraction = fraction;
    previousSpent = spent;
    return increment;
  });
}

function checkSpendingArguments(alpha: number, informationFraction: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`one-sided alpha must be in (0, 1), got ${alpha}`);
  if (!(informationFraction > 0 && informationFraction <= 1)) throw new RangeError(`information fraction must be in (0, 1], got ${informationFraction}`);
}
