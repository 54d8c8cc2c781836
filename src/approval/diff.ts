import { sha256Hex } from '../digest/sha256.ts';
import { InputError } from '../error.ts';
import { parseJSONLines } from '../io/jsonl.ts';
import { decodeUTF8, parseJSON } from '../io/read.ts';
import { readResultsEvidence, type ExampleResult } from '../gates/regression/results.ts';
import { parseSafetyDataset } from '../gates/safety/dataset.ts';
import { parseResponses } from '../gates/safety/responses.ts';
import { figure } from '../gates/gate.ts';
import type { PacketItem } from './statements.ts';
import type { DiffExample } from './view.ts';

/** At most this many regression examples in a diff summary, most changed first. */
export const MAX_REGRESSION_EXAMPLES = 15;
/** At most this many safety examples in a diff summary. */
export const MAX_SAFETY_EXAMPLES = 10;
/** Text longer than this is cut in a diff summary (it is signed into the request). */
const MAX_TEXT = 600;

/** An evidence file the requester supplies, matched by digest to what a packet's attestations name. */
export interface SuppliedEvidence {
  name: string;
  bytes: Buffer;
}

// Metrics that are no per-example outcome: latency quantiles and run figures.
const NOT_OUTCOMES = /^(latency_|throughput$|peak_memory$)/;

/**
 * The diff summary of a request: the candidate and the deployed model side
 * by side on representative inputs, from the evidence files the packet's
 * attestations name (regression per-example results with the evaluation
 * set's prompts, the safety report's failures with the responses and
 * prompts), the examples whose outcome changed most first. Every file must
 * be one an attestation of the packet names by digest; any other is refused,
 * so nothing unjudged is shown as if it were evidence. `directions` says
 * which way each regression metric is better (policy thresholds).
 */
export async function diffSummary(packet: readonly PacketItem[], files: readonly SuppliedEvidence[], directions: Readonly<Record<string, 'higher' | 'lower'>>): Promise<DiffExample[]> {
  const byRole = new Map<string, SuppliedEvidence>();
  for (const file of files) {
    const digest = `sha256:${sha256Hex(file.bytes)}`;
    const named = packet.flatMap((item) => item.reports.filter((report) => report.digest === digest).map((report) => `${item.gate}/${report.role}`));
    if (named.length === 0) throw new InputError({ code: 'USAGE', message: `${digest} is no evidence an attestation of the packet names`, path: file.name });
    for (const role of named) byRole.set(role, file);
  }
  return [...(await regressionExamples(byRole, directions)), ...safetyExamples(byRole)];
}

async function regressionExamples(files: Map<string, SuppliedEvidence>, directions: Readonly<Record<string, 'higher' | 'lower'>>): Promise<DiffExample[]> {
  const candidateFile = files.get('regression/candidate-results');
  const baselineFile = files.get('regression/baseline-results');
  if (candidateFile === undefined || baselineFile === undefined) return [];
  const candidate = await resultsOf(candidateFile);
  const baseline = new Map((await resultsOf(baselineFile)).map((result) => [result.id, result]));
  const prompts = promptsOf(files.get('regression/evaluation-set'));
  const examples: DiffExample[] = [];
  for (const mine of candidate) {
    const theirs = baseline.get(mine.id);
    if (theirs === undefined) continue;
    const metrics = Object.keys(mine.metrics).filter((name) => !NOT_OUTCOMES.test(name) && theirs.metrics[name] !== undefined).sort();
    const change = metrics.reduce((sum, name) => sum + (directions[name] === 'lower' ? -1 : 1) * (mine.metrics[name]! - theirs.metrics[name]!), 0);
    if (change === 0) continue;
    const show = (result: ExampleResult) => metrics.map((name) => `${name}=${figure(result.metrics[name])}`).join(', ');
    const tags = mine.tags.join(', ');
    examples.push({
      id: mine.id,
      source: 'regression',
      input: cut(prompts.get(mine.id) ?? ''),
      candidate: show(mine),
      deployed: show(theirs),
      change: Number(change.toPrecision(6)),
      ...(tags === '' ? {} : { note: tags }),
    });
  }
  return mostChanged(examples).slice(0, MAX_REGRESSION_EXAMPLES);
}

function safetyExamples(files: Map<string, SuppliedEvidence>): DiffExample[] {
  const reportFile = files.get('safety/report');
  if (reportFile === undefined) return [];
  const report = parseJSON(reportFile.bytes, reportFile.name) as { failures?: Array<{ id: string; category: string; problem: string }> };
  if (!Array.isArray(report.failures)) throw new InputError({ code: 'SCHEMA_INVALID', message: 'not a safety gate report (failures missing)', path: reportFile.name });
  const datasetFile = files.get('safety/dataset');
  const dataset = datasetFile === undefined ? [] : parseSafetyDataset(decodeUTF8(datasetFile.bytes, datasetFile.name), datasetFile.name);
  const prompts = new Map(dataset.map((prompt) => [prompt.id, prompt.prompt]));
  const responsesFile = files.get('safety/responses');
  const responses = responsesFile === undefined || dataset.length === 0 ? new Map<string, string>() : parseResponses(decodeUTF8(responsesFile.bytes, responsesFile.name), responsesFile.name, 'jsonl', dataset);
  return [...report.failures]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, MAX_SAFETY_EXAMPLES)
    .map((failure) => ({
      id: failure.id,
      source: 'safety' as const,
      input: cut(prompts.get(failure.id) ?? ''),
      candidate: cut(responses.get(failure.id) ?? '(response not supplied)'),
      deployed: 'not on record',
      change: -1,
      note: `${failure.category}: ${failure.problem}`,
    }));
}

// The results as the regression gate read them: the format is not recorded, so each it reads is tried in turn.
async function resultsOf(file: SuppliedEvidence): Promise<ExampleResult[]> {
  let first: unknown;
  for (const format of ['gatehouse', 'lm-eval', 'mlflow'] as const) {
    try {
      return (await readResultsEvidence({ name: file.name, bytes: file.bytes }, format)).content;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      first ??= error;
    }
  }
  throw first;
}

function promptsOf(file: SuppliedEvidence | undefined): Map<string, string> {
  const prompts = new Map<string, string>();
  if (file === undefined) return prompts;
  for (const { json } of parseJSONLines(decodeUTF8(file.bytes, file.name), file.name)) {
    const row = json as { id?: unknown; prompt?: unknown; input?: unknown };
    const text = typeof row.prompt === 'string' ? row.prompt : typeof row.input === 'string' ? row.input : undefined;
    if ((typeof row.id === 'string' || typeof row.id === 'number') && text !== undefined) prompts.set(String(row.id), text);
  }
  return prompts;
}

// Largest change first; ties by id, so the summary is the same wherever it is made.
function mostChanged(examples: DiffExample[]): DiffExample[] {
  return examples.sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function cut(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;
}
