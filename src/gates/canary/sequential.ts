import { alphaSpentPerLook, obrienFlemingSpending } from '../../stats/sequential.ts';

/** How the canary's looks share the error rate, as its attestation states it. */
export const SEQUENTIAL_METHOD =
  "alpha spending, O'Brien-Fleming type (Lan-DeMets): each look tests failure at the increment of alpha(t) = 2 - 2 Phi(z(1 - alpha/2) / sqrt(t)) at its share t of the duration; by the union bound false alarms across all looks stay within alpha";

/**
 * The one-sided error rate each look may spend on declaring a failure, for
 * looks at the given shares of the canary's duration (increasing, the last
 * at most 1), so that the chance of any false alarm over all looks is at
 * most (1 - level) / 2 whatever the correlation between looks.
 */
export function spentAlphas(fractions: readonly number[], level: number): number[] {
  // Rounded to 12 digits, so a level of 0.95 spends 0.025 and not 0.025000000000000022.
  const alpha = Number(((1 - level) / 2).toPrecision(12));
  return alphaSpentPerLook(alpha, obrienFlemingSpending, fractions);
}
