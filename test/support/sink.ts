// A gate sink that keeps everything in memory, as a server answering over HTTP
// would: each attestation's bytes, and each report as [name, JSON, Markdown].
import type { GateSink } from '../../src/gates/workflow.ts';

export type MemorySink = GateSink & { attestations: Buffer[]; reports: Array<[name: string, json: string, markdown: string]> };

/** A sink naming each attestation `memory:<index>` and each report `memory:<name>.json` / `.md`. */
export function memorySink(): MemorySink {
  const attestations: Buffer[] = [];
  const reports: MemorySink['reports'] = [];
  return {
    attestations,
    reports,
    async attestation(bytes) {
      attestations.push(bytes);
      return `memory:${attestations.length - 1}`;
    },
    async report(name, json, markdown) {
      reports.push([name, json, markdown]);
      return { json: `memory:${name}.json`, markdown: `memory:${name}.md` };
    },
  };
}
