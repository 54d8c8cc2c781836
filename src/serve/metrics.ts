import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The server's Prometheus metrics, in a registry of its own (two servers in one process never share counts). */
export class ServeMetrics {
  readonly registry = new Registry();
  /** Decisions answered, by endpoint and result: allowed, denied, or error (no decision: itself a denial at admission). */
  readonly decisions = new Counter({ name: 'gatehouse_decisions_total', help: 'Decisions answered, by endpoint and result (allowed, denied, error)', labelNames: ['endpoint', 'result'] as const, registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'gatehouse_decision_duration_seconds',
    help: 'Time from request to answer, by endpoint',
    labelNames: ['endpoint'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  /** Cache lookups by outcome: hit, miss, joined (a concurrent miss that shared a running evaluation), uncached (a store with no inventory). */
  readonly cache = new Counter({ name: 'gatehouse_decision_cache_total', help: 'Decision cache lookups by outcome (hit, miss, joined, uncached)', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly storeErrors = new Counter({ name: 'gatehouse_store_errors_total', help: 'Requests the attestation store failed to answer', registers: [this.registry] });
  readonly deadlines = new Counter({ name: 'gatehouse_deadline_exceeded_total', help: 'Requests answered without a decision because the internal deadline passed', registers: [this.registry] });
  readonly reloads = new Counter({ name: 'gatehouse_policy_reloads_total', help: 'Policy loads by result (loaded, unchanged, refused)', labelNames: ['result'] as const, registers: [this.registry] });
  readonly policyInfo = new Gauge({ name: 'gatehouse_policy_info', help: 'The policy bundle in force, by digest: the number of server processes (--workers) it is in force in', labelNames: ['digest'] as const, registers: [this.registry] });
}
