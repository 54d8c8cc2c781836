import { InputError } from '../../error.ts';
import type { VerifiedPolicyBundle } from '../../policy/bundle.ts';
import { gateThresholds } from '../gate.ts';
import type { CanaryThresholds } from './definition.ts';

/** The canary thresholds a verified policy bundle sets, with the checks a schema cannot state. */
export function canaryThresholdsFrom(bundle: VerifiedPolicyBundle): CanaryThresholds {
  const thresholds = gateThresholds<CanaryThresholds>(bundle, 'canary');
  const problem = canaryThresholdsProblem(thresholds);
  if (problem !== undefined) throw new InputError({ code: 'SCHEMA_INVALID', message: `canary thresholds: ${problem}`, path: `${bundle.source}:data.json` });
  return thresholds;
}

/** What is wrong with canary thresholds beyond their schema, or undefined. */
export function canaryThresholdsProblem(thresholds: CanaryThresholds): string | undefined {
  if (thresholds.traffic_share.min > thresholds.traffic_share.max) return `traffic_share.min ${thresholds.traffic_share.min} is above max ${thresholds.traffic_share.max}`;
  if (thresholds.arms.canary === thresholds.arms.baseline) return `both arms select ${thresholds.arms.label}="${thresholds.arms.canary}"`;
  if (thresholds.min_window_seconds < thresholds.step_seconds * thresholds.min_samples) {
    return `min_window_seconds ${thresholds.min_window_seconds} cannot hold min_samples ${thresholds.min_samples} steps of ${thresholds.step_seconds} s`;
  }
  return undefined;
}
