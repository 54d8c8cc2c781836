import type { CanaryPredicate } from '../../attest/predicates.ts';
import type { ArtifactDigest, SubjectReference } from '../../digest/artifact.ts';
import { InputError } from '../../error.ts';
import type { VerifiedPolicyBundle } from '../../policy/bundle.ts';
import { toRFC3339 } from '../../time.ts';
import { attestWithReport, GATE_LEVEL, judgingContext } from '../gate.ts';
import { deliverGateRun, gateSubject, type GateContext, type GateOutcome } from '../workflow.ts';
import { evaluateCanary, type CanaryEvaluation, type CanaryLook, type CanaryReport } from './evaluate.ts';
import type { CanaryJudgement } from './judge.ts';
import { canaryPlan, type CanaryPlan } from './plan.ts';
import { formatCanaryReport } from './report.ts';
import { triggerRollback, type RollbackAction } from './rollback.ts';
import { spentAlphas, SEQUENTIAL_METHOD } from './sequential.ts';
import type { MetricsSource, RangeAnswer } from './source.ts';
import { canaryThresholdsFrom } from './thresholds.ts';

/** A clock the watch loop reads and waits on (a test injects one that jumps). */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const systemClock: Clock = { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/** What the canary gate is asked: the candidate, the deployed model, where the metrics are, and over which window or watch. */
export interface CanaryGateRequest {
  subject: SubjectReference;
  deployed: ArtifactDigest;
  source: MetricsSource;
  policy: VerifiedPolicyBundle;
  /** Judge one window, once. */
  window?: { start: Date; end: Date };
  /** Watch a canary as it runs: a look every `intervalSeconds` from `start` (default now) until `durationSeconds` have passed. */
  watch?: { start?: Date; durationSeconds: number; intervalSeconds: number; clock?: Clock };
  /** With a watch only: what to do at the first decisive failure of a critical metric (refused with a window). */
  rollback?: RollbackAction;
  /** Told after each look, with its judgement (for progress lines). */
  onLook?: (look: CanaryLook, index: number, total: number, judgement: CanaryJudgement) => void;
}

/** A finished canary: the signed verdict, and whether rollback was triggered. */
export type CanaryOutcome = GateOutcome<CanaryPredicate> & { report: CanaryReport; rolledBack: boolean };

/**
 * The canary gate's entry point (CLI, demo, server): asks the source every
 * query the policy's canary metrics name, judges the arms, and signs the
 * verdict. With a window it looks once. With a watch it looks at intervals,
 * each look spending part of the error rate (so false alarms across all
 * looks stay at the level), triggers rollback and signs a fail at the first
 * decisive failure of a critical metric, and otherwise signs the verdict of
 * the last look. A source that does not answer throws before anything is
 * signed.
 */
export async function canaryGate(request: CanaryGateRequest, context: GateContext): Promise<CanaryOutcome> {
  if ((request.window === undefined) === (request.watch === undefined)) throw new InputError({ code: 'USAGE', message: 'give exactly one of a window and a watch' });
  // A window is judged once, after the fact, and its verdict is the outcome; a rollback asked for there would silently never run.
  if (request.window !== undefined && request.rollback !== undefined) throw new InputError({ code: 'USAGE', message: 'a rollback goes with a watch (--watch), not with a window judged once' });
  // Traffic after the judgement is not there to judge; a window said to end later would place the canary after approvals it preceded (the policy denies it).
  if (request.window !== undefined && request.window.end.getTime() > context.evaluatedAt.getTime()) {
    throw new InputError({ code: 'USAGE', message: `the canary window ends at ${toRFC3339(request.window.end)}, after the canary is judged (${toRFC3339(context.evaluatedAt)})` });
  }
  const thresholds = canaryThresholdsFrom(request.policy);
  const subject = await gateSubject(request.subject, context);
  const { policyDigest } = judgingContext(request.policy, context.evaluatedAt);
  const evaluate = (plan: CanaryPlan, answers: RangeAnswer[], looks: CanaryLook[]) => {
    const evaluation: CanaryEvaluation = {
      plan,
      source: request.source.description,
      deployed: request.deployed,
      looks,
      sequential: SEQUENTIAL_METHOD,
      level: GATE_LEVEL,
      config: { evaluatedAt: toRFC3339(looks.at(-1)!.at), policyDigest },
    };
    return evaluateCanary(evaluation, answers);
  };
  const sign = async (report: CanaryReport, rolledBack: boolean): Promise<CanaryOutcome> => {
    const run = await attestWithReport(subject, report.predicate, report, (predicate) => formatCanaryReport(subject, predicate), context.signing);
    return { ...(await deliverGateRun(run, context.sink)), report, rolledBack };
  };

  if (request.window !== undefined) {
    const [start, end] = [seconds(request.window.start), seconds(request.window.end)];
    const plan = windowPlan(thresholds, start, end);
    const answers = await askAll(request.source, plan);
    const looks = [{ at: context.evaluatedAt, fraction: 1, alpha: spentAlphas([1], GATE_LEVEL)[0]! }];
    const { judgement, report } = evaluate(plan, answers, looks);
    request.onLook?.(looks[0]!, 0, 1, judgement);
    return sign(report, false);
  }

  const watch = request.watch!;
  const clock = watch.clock ?? systemClock;
  const start = seconds(watch.start ?? new Date(clock.now()));
  const end = start + watch.durationSeconds;
  if (watch.intervalSeconds < thresholds.step_seconds) throw new InputError({ code: 'USAGE', message: `--interval ${watch.intervalSeconds}s is shorter than the policy's step of ${thresholds.step_seconds}s` });
  windowPlan(thresholds, start, end);
  const times: number[] = [];
  for (let t = start + watch.intervalSeconds; t < end; t += watch.intervalSeconds) times.push(t);
  times.push(end);
  const fractions = times.map((t) => (t - start) / watch.durationSeconds);
  const alphas = spentAlphas(fractions, GATE_LEVEL);
  const looks: CanaryLook[] = [];
  for (const [index, t] of times.entries()) {
    // Wait until the look's last step has been scraped: one step after it ends.
    const due = (t + thresholds.step_seconds) * 1000;
    while (clock.now() < due) await clock.sleep(Math.min(due - clock.now(), 60_000));
    const plan = canaryPlan(thresholds, start, t);
    const answers = await askAll(request.source, plan);
    const look = { at: new Date(clock.now()), fraction: fractions[index]!, alpha: alphas[index]! };
    looks.push(look);
    const last = index === times.length - 1;
    const { judgement, report } = evaluate(plan, answers, looks);
    request.onLook?.(look, index, times.length, judgement);
    const failure = judgement.criticalFailure;
    if (failure !== undefined) {
      // Without a rollback action the watch still stops here and signs the fail, naming no rollback.
      if (request.rollback === undefined) return sign(report, false);
      let rollbackError: unknown;
      const event = { event: 'gatehouse.canary.rollback' as const, subject: subject.digest, deployed: request.deployed, metric: failure.name, at: toRFC3339(look.at), reason: failure.reason ?? 'failed', evidence: failure };
      await triggerRollback(request.rollback, event).catch((error: unknown) => void (rollbackError = error));
      // The fail is signed whether or not the rollback went through; a rollback that did not is then reported as the error it is.
      const rolledBack = { ...report, predicate: { ...report.predicate, rollback: { metric: failure.name, at: toRFC3339(look.at) } } };
      const outcome = await sign(rolledBack, true);
      if (rollbackError !== undefined) throw rollbackError;
      return outcome;
    }
    if (last) return sign(report, false);
  }
  throw new Error('a canary watch ended without a last look');
}

/** Asks a source every query of a plan, in plan order; any failure throws before anything is judged. */
export async function askAll(source: MetricsSource, plan: CanaryPlan): Promise<RangeAnswer[]> {
  const answers: RangeAnswer[] = [];
  // One at a time: a canary asks a few dozen queries, and a loaded Prometheus is better asked in turn.
  for (const planned of plan.queries) answers.push(await source.queryRange(planned.range));
  return answers;
}

function windowPlan(thresholds: CanaryPlan['thresholds'], start: number, end: number): CanaryPlan {
  if (!(end - start >= thresholds.step_seconds)) throw new InputError({ code: 'USAGE', message: `the canary window (${end - start} s) holds no step of ${thresholds.step_seconds} s` });
  return canaryPlan(thresholds, start, end);
}

function seconds(at: Date): number {
  return Math.floor(at.getTime() / 1000);
}
