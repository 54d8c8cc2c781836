/**
 * Where the canary gate's live-traffic figures come from: a Prometheus server
 * asked over HTTP, or a recorded export of the same answers. Both answer one
 * range query at a time and keep every series apart, with its labels, exactly
 * as the server gave it; what the values mean is the judge's to decide.
 */

/** One range query: PromQL over [start, end] every `step` seconds (all times in Unix seconds). */
export interface RangeQuery {
  query: string;
  start: number;
  end: number;
  step: number;
}

/**
 * One series of a range answer: its labels, and its samples in time order as
 * [Unix seconds, value text]. The value stays the text Prometheus sent, so
 * "NaN", "+Inf" and "0" remain distinguishable.
 */
export interface RangeSeries {
  labels: Readonly<Record<string, string>>;
  points: ReadonlyArray<readonly [number, string]>;
}

/** The answer to one range query: every series (none means "no series"), and the server's warnings. */
export interface RangeAnswer {
  query: RangeQuery;
  series: RangeSeries[];
  warnings: string[];
}

/** What a source is, as the canary attestation records it. */
export type SourceDescription = { kind: 'prometheus'; url: string } | { kind: 'export'; path: string; digest: string };

/** A source of range answers. */
export interface MetricsSource {
  readonly description: SourceDescription;
  queryRange(query: RangeQuery): Promise<RangeAnswer>;
}
