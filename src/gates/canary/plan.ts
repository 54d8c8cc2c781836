import type { RangeQuery } from './source.ts';
import type { CanaryMetricConfig, CanaryThresholds } from './definition.ts';

/** The two arms of a canary: the candidate's share of traffic, and the deployed model's. */
export const ARMS = ['canary', 'baseline'] as const;
export type Arm = (typeof ARMS)[number];

/** What a query answers: one part of a metric, or the traffic count. */
export type QueryRole = 'numerator' | 'denominator' | 'query' | 'traffic';

/** One range query the canary asks, and what its answer is for. */
export interface PlannedQuery {
  /** The metric it belongs to; absent for the traffic count. */
  metric?: string;
  role: QueryRole;
  arm: Arm;
  range: RangeQuery;
}

/** Everything a canary judgement asks: the window, the step, the thresholds, and each query in a fixed order. */
export interface CanaryPlan {
  thresholds: CanaryThresholds;
  /** The window in Unix seconds; samples are the steps ending at start + step, start + 2·step, … ≤ end. */
  start: number;
  end: number;
  step: number;
  queries: PlannedQuery[];
}

/**
 * The queries a canary over [start, end] asks, expanded from the templates in
 * policy data. The first sample ends one step after the window starts, so a
 * per-step count (`increase(x[{{step}}])`) covers only the window.
 */
export function canaryPlan(thresholds: CanaryThresholds, start: number, end: number): CanaryPlan {
  const step = thresholds.step_seconds;
  if (!(end - start >= step)) throw new RangeError(`a canary window of ${end - start} s holds no ${step} s step`);
  const range = (query: string): RangeQuery => ({ query, start: start + step, end, step });
  const queries: PlannedQuery[] = [];
  for (const arm of ARMS) queries.push({ role: 'traffic', arm, range: range(expandTemplate(thresholds.traffic, thresholds, arm)) });
  for (const [metric, config] of Object.entries(thresholds.metrics)) {
    for (const arm of ARMS) {
      for (const [role, template] of metricTemplates(config)) queries.push({ metric, role, arm, range: range(expandTemplate(template, thresholds, arm)) });
    }
  }
  return { thresholds, start, end, step, queries };
}

/** The steps a window holds: the most samples an arm can have. */
export function expectedSteps(plan: Pick<CanaryPlan, 'start' | 'end' | 'step'>): number {
  return Math.floor((plan.end - plan.start) / plan.step);
}

/** A metric's query templates, by the role of each answer. */
export function metricTemplates(config: CanaryMetricConfig): Array<[QueryRole, string]> {
  return config.kind === 'ratio' ? [['numerator', config.numerator], ['denominator', config.denominator]] : [['query', config.query]];
}

/** The label matcher that selects an arm, e.g. track="canary". */
export function armMatcher(thresholds: CanaryThresholds, arm: Arm): string {
  return `${thresholds.arms.label}="${promQLString(thresholds.arms[arm])}"`;
}

/** A template with {{arm}} and {{step}} filled in, as sent to Prometheus. */
export function expandTemplate(template: string, thresholds: CanaryThresholds, arm: Arm): string {
  return template.replaceAll('{{arm}}', armMatcher(thresholds, arm)).replaceAll('{{step}}', `${thresholds.step_seconds}s`);
}

// PromQL double-quoted strings escape backslash and the quote.
function promQLString(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}
