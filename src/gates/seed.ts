import { createHash } from 'node:crypto';
import { canonicalJSON } from '../canonical/json.ts';

/** Seeds are below 2^48, leaving room under 2^53 for the per-job seeds derived from them. */
export const SEED_BITS = 48;

/**
 * The bootstrap seed of a gate run, derived from what is judged (the gate, the
 * artifact, and the digests of what it is compared with and evaluated on),
 * never chosen: re-running a gate on the same evidence gives the same seed and
 * the same figures, so a run cannot be repeated with new seeds until it passes
 * at the margin. The policy re-derives it from the attestation and compares.
 */
export function deriveSeed(gate: string, judged: Readonly<Record<string, string>>): number {
  const digest = createHash('sha256').update(canonicalJSON({ gate, judged })).digest();
  return digest.readUIntBE(0, SEED_BITS / 8);
}
