import { join } from 'node:path';
import type { GatePredicateBase } from '../attest/predicates.ts';
import { resolveSubject, type ArtifactDigest, type SubjectReference } from '../digest/artifact.ts';
import { ensureDirectory, prepareOutputFile, writeFileAtomic } from '../io/atomic.ts';
import type { SigningOptions } from '../sign/attest.ts';
import { serializeBundle } from '../store/serialize.ts';
import type { AttestationStore } from '../store/store.ts';
import { gateMarkdown, type GateRun } from './gate.ts';
import { sha256Hex } from '../digest/sha256.ts';

/** Told how far long work has got: `done` of `total` bytes or prompts. */
export type ProgressCallback = (done: number, total: number) => void;

/** Where a gate's outputs go: the signed attestation, and the full report of a gate that writes one. */
export interface GateSink {
  /** Keeps the attestation's exact bytes; returns where they are. */
  attestation(bytes: Buffer): Promise<string>;
  /** Keeps a full JSON report and its Markdown summary under `name`; returns where each is. */
  report(name: string, json: string, markdown: string): Promise<{ json: string; markdown: string }>;
}

/** What every gate entry point needs beyond its evidence: the time judged at, how to sign, where outputs go. */
export interface GateContext {
  evaluatedAt: Date;
  signing: SigningOptions;
  sink: GateSink;
  /** A progress callback for one piece of long work, or none (the default: silent). */
  progress?: (label: string, unit: 'bytes' | 'prompts') => ProgressCallback | undefined;
}

/** A finished gate run: what it signed, where the attestation and report went, and a Markdown summary. */
export interface GateOutcome<P extends GatePredicateBase> extends GateRun<P> {
  /** The attestation as stored: these bytes, exactly. */
  bytes: Buffer;
  /** Where the sink put the attestation. */
  attestation: string;
  /** Where the sink put the full report and its summary, for gates that write one. */
  reportFiles?: { json: string; markdown: string };
  /** The verdict as Markdown (the report's summary when there is one). */
  markdown: string;
  subject: ArtifactDigest;
}

/**
 * A sink on the filesystem: the attestation into a store, or into one file
 * (`out`) instead; reports into `reportDir`, named by gate, subject and the
 * report's own digest so runs never overwrite each other.
 */
export function fileSink(options: { store?: AttestationStore; out?: string; reportDir?: string }): GateSink {
  if ((options.store === undefined) === (options.out === undefined)) throw new TypeError('a gate sink writes to a store or to one file');
  return {
    async attestation(bytes) {
      if (options.out !== undefined) {
        await writeFileAtomic(options.out, bytes);
        return options.out;
      }
      return (await options.store!.put(bytes)).locations[0]!;
    },
    async report(name, json, markdown) {
      const dir = options.reportDir ?? 'reports';
      await ensureDirectory(dir);
      const base = join(dir, name);
      await writeFileAtomic(`${base}.json`, json);
      await writeFileAtomic(`${base}.md`, markdown);
      return { json: `${base}.json`, markdown: `${base}.md` };
    },
  };
}

/** Checks, before a gate does any work, that a file-system sink can write where it was told to. */
export async function prepareFileSink(options: { out?: string }): Promise<void> {
  if (options.out !== undefined) await prepareOutputFile(options.out);
}

/** Resolves a gate's subject, hashing a path with progress. */
export function gateSubject(subject: SubjectReference, context: Pick<GateContext, 'progress'>): Promise<{ name: string; digest: ArtifactDigest }> {
  const onProgress = typeof subject === 'string' && !subject.startsWith('sha256:') && !/^oci:\/\//i.test(subject) ? context.progress?.(`digesting ${subject}`, 'bytes') : undefined;
  return resolveSubject(subject, onProgress === undefined ? {} : { onProgress });
}

/** The progress option of one piece of long work, spread into options that take `onProgress`. */
export function progressOption(context: GateContext, label: string, unit: 'bytes' | 'prompts'): { onProgress?: ProgressCallback } {
  const onProgress = context.progress?.(label, unit);
  return onProgress === undefined ? {} : { onProgress };
}

/**
 * The last step of every gate entry point: the attestation and any report go
 * to the sink, and the outcome says where.
 */
export async function deliverGateRun<P extends GatePredicateBase>(run: GateRun<P> & { reportJSON?: string; markdown?: string }, sink: GateSink): Promise<GateOutcome<P>> {
  const predicate = run.statement.predicate!;
  const subject = `sha256:${run.statement.subject[0]!.digest.sha256}` as ArtifactDigest;
  const bytes = serializeBundle(run.bundle);
  let reportFiles: GateOutcome<P>['reportFiles'];
  if (run.reportJSON !== undefined && run.markdown !== undefined) {
    const reportDigest = sha256Hex(run.reportJSON);
    reportFiles = await sink.report(`${predicate.gate}-${subject.slice(7, 19)}-${reportDigest.slice(0, 12)}`, run.reportJSON, run.markdown);
  }
  const attestation = await sink.attestation(bytes);
  return {
    ...run,
    bytes,
    attestation,
    ...(reportFiles === undefined ? {} : { reportFiles }),
    markdown: run.markdown ?? gateMarkdown(predicate, subject),
    subject,
  };
}
