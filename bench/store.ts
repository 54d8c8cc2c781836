// The attestation stores side by side on the same data in the same run: the
// folder store and PostgreSQL (a private cluster, fsync on, started here as the
// tests start theirs), and with --oci an OCI registry (go-containerregistry's,
// referrers API on, blobs on disk, as the tests start it). Loads N attestations
// for N/10 models into each, then measures list(subject) p50/p99, a whole
// `verify` decision p50 (list, verify every signature, compare with the
// inventory, evaluate the policy) and insert throughput, with ratios to the
// folder's. Prints figures; never passes or fails.
//
//   npm run bench:store                           (1,000,000 attestations for 100,000 models)
//   npm run bench:store -- --count 100000 --writers 8 --samples 1000
//   npm run bench:store -- --count 2000 --samples 100 --verifies 50 --oci   (the registry is far slower: keep it small)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { toStatement } from '../src/attest/statement.ts';
import type { ArtifactDigest } from '../src/digest/artifact.ts';
import { decidePromotion } from '../src/decide/workflow.ts';
import { gateRegistry } from '../src/gates/registry.ts';
import { signStatement } from '../src/sign/attest.ts';
import { FileSystemAttestationStore } from '../src/store/fs-store.ts';
import { PostgresAttestationStore } from '../src/store/pg-store.ts';
import { OCIAttestationStore } from '../src/store/oci-store.ts';
import { serializeBundle } from '../src/store/serialize.ts';
import { storeEntries, type AttestationStore } from '../src/store/store.ts';
import { seededRandom } from '../src/stats/random.ts';
import { integrityPredicate } from '../test/support/chain.ts';
import { buildTestBundle, demoSigner } from '../test/support/policy.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { startReferrersRegistry, type TestRegistry } from '../test/support/registry.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    writers: { type: 'string', default: '8' },
    samples: { type: 'string', default: '1000' },
    verifies: { type: 'string', default: '200' },
    oci: { type: 'boolean', default: false },
  },
});
const COUNT = Number(values.count);
const MODELS = Math.max(1, Math.floor(COUNT / 10));
const WRITERS = Number(values.writers);
const SAMPLES = Number(values.samples);
const VERIFIES = Number(values.verifies);
const BATCH = 2000;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};
const ms = (value: number) => `${value.toFixed(value < 10 ? 3 : 1)} ms`;
const ratio = (other: number, fs: number) => `${(other / fs).toFixed(2)}x`;
const model = (index: number): ArtifactDigest => `sha256:${index.toString(16).padStart(8, '0').repeat(8)}`;

const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-store-'));
const postgres = await startPostgres({ durable: true });
const registry: TestRegistry | undefined = values.oci ? await startReferrersRegistry() : undefined;
try {
  const policy = await buildTestBundle();
  const { signer } = await demoSigner('integrity-gate');
  const predicateType = gateRegistry.get('integrity')!.predicateType;
  const fs = new FileSystemAttestationStore(join(work, 'attestations'));
  const url = await postgres.createDatabase();
  const pg = new PostgresAttestationStore(url, { maxConnections: WRITERS });
  await pg.migrate();
  const oci = registry === undefined ? undefined : new OCIAttestationStore(registry.repository());
  // Each store, named as the figures name it; the folder first (the others' ratios are to it).
  const stores: Array<readonly [string, AttestationStore]> = [['folder', fs], ['PostgreSQL', pg], ...(oci === undefined ? [] : [['OCI', oci] as const])];
  const label = (name: string) => name.padEnd(10);

  console.log(`store benchmark: ${COUNT.toLocaleString('en')} attestations for ${MODELS.toLocaleString('en')} models (10 each), ${WRITERS} concurrent writers per store, one process`);
  console.log(`  PostgreSQL ${execFileSync(join((await import('../test/support/postgres.ts')).postgresBin(), 'postgres'), ['--version'], { encoding: 'utf8' }).trim()}, private cluster on loopback, fsync on; folder store on ${tmpdir()} (atomic writes: fsync of file and folder)`);
  console.log('  bundles: each a real DSSE bundle signed (ECDSA P-256, the integrity-gate demo key) over its own integrity statement,');
  console.log('  one signature per distinct statement (model i, attestation j evaluated j minutes apart); made in batches, put into each store, dropped');
  if (registry !== undefined) console.log(`  OCI: go-containerregistry v0.22.1 registry on ${registry.host} (referrers API, blobs on ${tmpdir()}, no fsync), same writers`);

  // Load: each batch signed once, then put into each store by WRITERS concurrent writers, timed per store.
  const insertMs = new Map(stores.map(([name]) => [name, 0]));
  let signMs = 0;
  let bytes = 0;
  const started = performance.now();
  for (let start = 0; start < COUNT; start += BATCH) {
    const t0 = performance.now();
    const batch: Buffer[] = [];
    for (let index = start; index < Math.min(COUNT, start + BATCH); index++) {
      const subject = model(index % MODELS);
      const at = new Date(Date.UTC(2026, 10, 22, 9, Math.floor(index / MODELS))).toISOString().replace('.000Z', 'Z');
      const statement = toStatement({ subjects: [{ name: 'model', digest: { sha256: subject.slice(7) } }], predicateType, predicate: integrityPredicate(subject, at) });
      batch.push(serializeBundle(await signStatement(statement, { signer })));
    }
    signMs += performance.now() - t0;
    for (const bundle of batch) bytes += bundle.length;
    for (const [name, store] of stores) {
      const t1 = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: WRITERS }, async () => {
        while (next < batch.length) await store.put(batch[next++]!);
      }));
      insertMs.set(name, insertMs.get(name)! + performance.now() - t1);
    }
    if ((start / BATCH) % 10 === 9) process.stderr.write(`  loaded ${(start + BATCH).toLocaleString('en')} of ${COUNT.toLocaleString('en')} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  }
  console.log(`  made ${COUNT.toLocaleString('en')} bundles (${(bytes / COUNT).toFixed(0)} bytes each on average) in ${(signMs / 1000).toFixed(1)} s of signing`);
  console.log('');
  const rates = stores.map(([name]) => [name, COUNT / (insertMs.get(name)! / 1000)] as const);
  console.log('insert throughput (bundles/s, each store loaded alone, same bundles):');
  for (const [name, rate] of rates) console.log(`  ${label(name)}  ${rate.toFixed(0).padStart(8)}${name === 'folder' ? '' : `   (${ratio(rate, rates[0]![1])} the folder's)`}`);

  // list(subject): every page of one model's listing, for random models.
  const random = seededRandom(7);
  const picks = Array.from({ length: SAMPLES }, () => model(random.int(MODELS)));
  const listings = [];
  for (const [name, store] of stores) {
    const samples: number[] = [];
    for (const subject of picks) {
      const t0 = performance.now();
      let n = 0;
      for await (const _ of storeEntries(store, subject)) n++;
      samples.push(performance.now() - t0);
      if (n !== 10) throw new Error(`${name}: ${subject} lists ${n} bundles, not 10`);
    }
    listings.push([name, summary(samples)] as const);
  }
  console.log('');
  console.log(`list(subject), all 10 bundles of a random model (${SAMPLES} models):`);
  const fsList = listings[0]![1];
  for (const [name, { p50, p99 }] of listings) console.log(`  ${label(name)}  p50 ${ms(p50)}  p99 ${ms(p99)}${name === 'folder' ? '' : `   (p50 ${ratio(p50, fsList.p50)}, p99 ${ratio(p99, fsList.p99)})`}`);

  // verify: the whole decision for a random model, as `gatehouse verify` makes it (in-process, warm).
  let verified = 0;
  const decisions = [];
  for (const [name, store] of stores) {
    const samples: number[] = [];
    for (const subject of picks.slice(0, VERIFIES)) {
      const t0 = performance.now();
      const { decision } = await decidePromotion({ subject, stage: 'development', deployed: null, evaluationTime: new Date('2026-11-23T10:00:00Z'), store, policy: policy.bundle });
      samples.push(performance.now() - t0);
      if (decision.input.inventory.verified) verified++;
    }
    decisions.push([name, summary(samples)] as const);
  }
  console.log('');
  console.log(`verify (a whole decision: list, verify 10 signatures, compare with the inventory, evaluate; ${VERIFIES} models, warm):`);
  const fsVerify = decisions[0]![1];
  for (const [name, { p50, p99 }] of decisions) console.log(`  ${label(name)}  p50 ${ms(p50)}  p99 ${ms(p99)}${name === 'folder' ? '' : `   (p50 ${ratio(p50, fsVerify.p50)})`}`);
  console.log(`  inventory verified in ${verified} of ${stores.length * VERIFIES} decisions (the folder and OCI stores read their whole inventory each time)`);

  // store check: the whole inventory walked once.
  console.log('');
  console.log('store check (the whole chain, every bundle re-hashed):');
  for (const [name, store] of stores) {
    const t0 = performance.now();
    const check = (await store.checkInventory())!;
    console.log(`  ${label(name)}  ${((performance.now() - t0) / 1000).toFixed(1)} s, ${check.problems.length} problems, head ${check.head.sequence}`);
  }
  const size = Number((await postgres.query(url, 'SELECT pg_database_size(current_database()) AS size')).rows[0].size);
  const du = Number(execFileSync('du', ['-sk', join(work, 'attestations')], { encoding: 'utf8' }).split('\t')[0]) * 1024;
  console.log('');
  const blobs = registry === undefined ? undefined : Number(execFileSync('du', ['-sk', registry.storage], { encoding: 'utf8' }).split('\t')[0]) * 1024;
  console.log(`on disk: folder ${(du / 2 ** 20).toFixed(0)} MiB, PostgreSQL database ${(size / 2 ** 20).toFixed(0)} MiB (${ratio(size, du)})${blobs === undefined ? '' : `, OCI registry blobs ${(blobs / 2 ** 20).toFixed(0)} MiB (manifests are in its memory)`}`);
  await pg.close();
  policy.cleanup();
} finally {
  await postgres.stop();
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
}
