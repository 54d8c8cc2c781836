// What only the PostgreSQL store has: migrations, a schema it refuses to guess
// about, tables the database itself keeps append-only, credentials, and many
// writer processes on one database (a private cluster started for this file).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/error-classification.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.ts';
import { PostgresAttestationStore, redactConnectionString } from '../../src/store/pg-store.ts';
import { openStore } from '../../src/store/open.ts';
import { storeEntries } from '../../src/store/store.ts';
import { ROOT, gatehouse } from '../helpers.ts';
import { claimingBundle } from '../support/claiming.ts';
import { TEST_PASSWORD, startPostgres, type TestPostgres } from '../support/postgres.ts';

const SUBJECT = 'c3'.repeat(32);
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

let postgres: TestPostgres;
const opened: PostgresAttestationStore[] = [];
beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);
afterAll(async () => {
  for (const store of opened) await store.close();
  await postgres?.stop();
});

async function freshStore(migrate = true): Promise<{ url: string; store: PostgresAttestationStore }> {
  const url = await postgres.createDatabase();
  const store = new PostgresAttestationStore(url);
  opened.push(store);
  if (migrate) await store.migrate();
  return { url, store };
}

async function allDigests(store: PostgresAttestationStore, subject = SUBJECT): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of storeEntries(store, `sha256:${subject}`)) out.push('bundleDigest' in entry ? entry.bundleDigest : `unreadable ${entry.location}`);
  return out;
}

// Runs a program to its end without blocking the test process (the cluster's clients live here too).
function runAsync(args: string[], env: NodeJS.ProcessEnv = {}): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

const WRITER = join(ROOT, 'test', 'support', 'store-writer.ts');

describe('PostgresAttestationStore', () => {
  describe('#migrate', () => {
    it('applies the schema once; running it again changes nothing', async () => {
      const { url, store } = await freshStore(false);
      expect(await store.migrate()).toEqual(MIGRATIONS.map((migration) => migration.version));
      await store.put(claimingBundle([SUBJECT], 1));
      expect(await store.migrate()).toEqual([]);
      expect(await new PostgresAttestationStore(url).migrate()).toEqual([]);
      const { rows } = await postgres.query(url, 'SELECT version FROM gatehouse_schema_migrations ORDER BY version');
      expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
      expect(await allDigests(store)).toHaveLength(1);
    });

    it('migrates from the CLI, concurrently from many processes, to one schema', async () => {
      const url = await postgres.createDatabase();
      const runs = await Promise.all(Array.from({ length: 4 }, () => runAsync([join(ROOT, 'cli', 'gatehouse.ts'), 'store', 'migrate', '--store', url, '--json']).done));
      for (const run of runs) expect(run.code, run.stderr).toBe(0);
      const applied = runs.map((run) => JSON.parse(run.stdout).applied as number[]);
      expect(applied.flat()).toEqual(MIGRATIONS.map((migration) => migration.version));
      const again = gatehouse(['store', 'migrate', '--store', url]);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toContain(`schema version ${SCHEMA_VERSION}, up to date`);
      // The password the URL carries is never printed.
      expect(again.stdout + again.stderr + runs.map((run) => run.stdout + run.stderr).join('')).not.toContain(TEST_PASSWORD);
    }, 60_000);

    it('brings a database at version 1 to this version, its bundles kept, and the inventory index then keeps no pending list', async () => {
      const { url, store } = await freshStore(false);
      // What gatehouse at schema version 1 made, with a bundle in it.
      await postgres.query(url, 'CREATE TABLE gatehouse_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      await postgres.query(url, MIGRATIONS[0]!.sql);
      await postgres.query(url, `INSERT INTO gatehouse_schema_migrations (version, name) VALUES (1, 'v1')`);
      const older = new PostgresAttestationStore(url);
      opened.push(older);
      await expect(older.list(`sha256:${SUBJECT}`)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/has schema version 1, this gatehouse needs 2: run gatehouse store migrate/) });
      await postgres.query(url, "INSERT INTO gatehouse_bundles (digest, bytes) VALUES (repeat('ab', 32), '\\x00')");
      const pending = async () => Number((await postgres.query(url, "SELECT gin_clean_pending_list('gatehouse_inventory_subjects'::regclass) AS pages")).rows[0].pages);
      const reloptions = async () => (await postgres.query(url, "SELECT reloptions FROM pg_class WHERE relname = 'gatehouse_inventory_subjects'")).rows[0].reloptions;
      expect(await reloptions()).toBeNull();
      expect(await store.migrate()).toEqual([2]);
      expect(await reloptions()).toEqual(['fastupdate=off']);
      expect((await postgres.query(url, 'SELECT count(*)::int AS n FROM gatehouse_bundles')).rows[0].n).toBe(1);
      // Puts go straight into the index: nothing waits in a pending list for every lookup to read.
      for (let i = 0; i < 40; i++) await store.put(claimingBundle([SUBJECT, 'e5'.repeat(32)], `pending ${i}`));
      expect(await pending()).toBe(0);
      expect((await store.inventoryOf(`sha256:${SUBJECT}`)).bundles).toHaveLength(40);
    });

    it('refuses a folder store: it has no schema', () => {
      const result = gatehouse(['store', 'migrate', '--store', 'file:/tmp']);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/no schema to migrate/);
    });
  });

  describe('a database not at this schema version', () => {
    it('is refused by every use but migrate, naming the command that fixes it (exit 2, nothing written)', async () => {
      const { url, store } = await freshStore(false);
      for (const use of [() => store.put(claimingBundle([SUBJECT])), () => store.list(`sha256:${SUBJECT}`), () => store.get('00'.repeat(32)), () => store.subjects(), () => store.inventoryHead(), () => store.checkInventory()]) {
        await expect(use()).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/has no gatehouse schema: run gatehouse store migrate --store postgres:\/\/postgres@127\.0\.0\.1/) });
      }
      const result = gatehouse(['store', 'check', '--store', url]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^gatehouse: --store postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+: the database has no gatehouse schema: run gatehouse store migrate --store /);
      expect(result.stderr).not.toContain(TEST_PASSWORD);
      expect((await postgres.query(url, "SELECT to_regclass('gatehouse_bundles') AS t")).rows[0].t).toBeNull();
    });

    it('is refused when newer than this gatehouse knows, by migrate too', async () => {
      const { url, store } = await freshStore();
      await postgres.query(url, "INSERT INTO gatehouse_schema_migrations (version, name) VALUES (99, 'from the future')");
      const later = new PostgresAttestationStore(url);
      opened.push(later);
      await expect(later.list(`sha256:${SUBJECT}`)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/schema version 99, newer than this gatehouse knows \(2\): upgrade gatehouse/) });
      await expect(later.migrate()).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/newer than this gatehouse knows/) });
      // The store opened before is refused too once it asks again in a new process.
      expect(gatehouse(['store', 'check', '--store', url]).status).toBe(2);
      void store;
    });
  });

  describe('append-only tables', () => {
    it('refuse UPDATE, DELETE and TRUNCATE of decision records, bundles and the inventory, in the database itself', async () => {
      const { url, store } = await freshStore();
      await store.put(claimingBundle([SUBJECT], 'kept'));
      await store.recordDecision(claimingBundle([SUBJECT], 'record', 'https://slsa.dev/verification_summary/v1'));
      // The unmodified case: rows are there and readable.
      expect((await postgres.query(url, 'SELECT count(*)::int AS n FROM gatehouse_decisions')).rows[0].n).toBe(1);
      for (const table of ['gatehouse_decisions', 'gatehouse_bundles', 'gatehouse_bundle_subjects', 'gatehouse_inventory']) {
        for (const sql of [`UPDATE ${table} SET digest = digest`, `DELETE FROM ${table}`, `TRUNCATE ${table} CASCADE`]) {
          await expect(postgres.query(url, sql), `${sql}`).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(new RegExp(`gatehouse: ${table} is append-only; (UPDATE|DELETE|TRUNCATE) refused`)) });
        }
      }
      expect((await postgres.query(url, 'SELECT count(*)::int AS n FROM gatehouse_decisions')).rows[0].n).toBe(1);
      expect(await allDigests(store)).toHaveLength(1);
      expect((await store.checkInventory()).problems).toEqual([]);
    });
  });

  describe('listing again', () => {
    it('sends only the digests of bundles this process holds, and still catches bytes rewritten under their key', async () => {
      const { url, store } = await freshStore();
      const x = claimingBundle([SUBJECT], 'x');
      const y = claimingBundle([SUBJECT], 'y');
      await store.put(x);
      await store.put(y);
      const list = async (from: PostgresAttestationStore) => (await from.list(`sha256:${SUBJECT}`)).entries;
      const first = await list(store);
      const second = await list(store);
      // The same bytes, not sent again: the very buffers of the first listing.
      expect(second.map((entry) => 'bytes' in entry && entry.bytes)).toEqual(first.map((entry) => 'bytes' in entry && entry.bytes));
      for (const [index, entry] of second.entries()) expect('bytes' in entry && entry.bytes).toBe('bytes' in first[index]! && first[index].bytes);
      // Another process holds nothing: it is sent the bytes, equal to the first's.
      const other = new PostgresAttestationStore(url);
      opened.push(other);
      const fresh = await list(other);
      expect(fresh.map((entry) => 'bytes' in entry && entry.bytes.toString('hex'))).toEqual(first.map((entry) => 'bytes' in entry && entry.bytes.toString('hex')));
      expect('bytes' in fresh[0]! && 'bytes' in first[0]! && fresh[0].bytes !== first[0].bytes).toBe(true);
      // A bundle put since is sent; the others are still held.
      const z = claimingBundle([SUBJECT], 'z');
      const { bundleDigest: zDigest } = await store.put(z);
      const third = await list(store);
      expect(third).toHaveLength(3);
      const byDigest = new Map(third.map((entry) => ['bundleDigest' in entry ? entry.bundleDigest : '', entry]));
      expect((byDigest.get(zDigest) as { bytes: Buffer }).bytes.equals(z)).toBe(true);
      for (const entry of first) expect((byDigest.get((entry as { bundleDigest: string }).bundleDigest) as { bytes: Buffer }).bytes).toBe((entry as { bytes: Buffer }).bytes);
      // Bytes rewritten under a key this process holds: PostgreSQL's hash of them says so.
      const { bundleDigest: yDigest } = await store.put(y);
      const forged = claimingBundle([SUBJECT], 'forged');
      await postgres.query(url, `SET session_replication_role = replica; UPDATE gatehouse_bundles SET bytes = decode('${forged.toString('hex')}', 'hex') WHERE digest = '${yDigest}'`);
      const after = await list(store);
      const rewritten = after.find((entry) => 'error' in entry);
      expect(rewritten).toMatchObject({ location: expect.stringContaining(yDigest), error: { code: 'BUNDLE_MALFORMED', message: `content digest ${sha256(forged)} does not match the key it is stored under` } });
      expect(after.filter((entry) => 'bytes' in entry)).toHaveLength(2);
      // Listed again it is still unreadable (what did not match was not kept).
      expect((await list(store)).filter((entry) => 'error' in entry)).toHaveLength(1);
    });

    it('holds no more bytes than it is given room for', async () => {
      const { url, store } = await freshStore();
      await store.put(claimingBundle([SUBJECT], 'x'));
      const small = new PostgresAttestationStore(url, { heldBytes: 1 });
      opened.push(small);
      const [first] = (await small.list(`sha256:${SUBJECT}`)).entries;
      const [second] = (await small.list(`sha256:${SUBJECT}`)).entries;
      expect('bytes' in first! && 'bytes' in second! && first.bytes.equals(second.bytes) && first.bytes !== second.bytes).toBe(true);
    });
  });

  describe('credentials', () => {
    it('names the store without its password, wherever the URL carries one', () => {
      expect(redactConnectionString(`postgres://gh:${TEST_PASSWORD}@db.example:5432/evidence?sslmode=require`)).toBe('postgres://gh@db.example:5432/evidence?sslmode=require');
      expect(redactConnectionString(`postgresql://db.example/evidence?user=gh&password=${TEST_PASSWORD}`)).toBe('postgresql://db.example/evidence?user=gh');
      expect(openStore(`postgres://gh:${TEST_PASSWORD}@db.example/evidence`).uri).not.toContain(TEST_PASSWORD);
    });

    it('takes what the URL leaves out from the PG* environment variables', async () => {
      const url = new URL(await postgres.createDatabase());
      const env = { PGHOST: '127.0.0.1', PGPORT: String(postgres.port), PGUSER: 'postgres', PGPASSWORD: TEST_PASSWORD };
      const result = gatehouse(['store', 'migrate', '--store', `postgres:///${url.pathname.slice(1)}`], { env });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/applied migration 1/);
    });

    it('reports refused credentials as bad input (exit 2) without echoing the password, and a server that does not answer as unavailable (exit 3)', async () => {
      const url = new URL(await postgres.createDatabase());
      url.password = 'wrong-Password-42';
      const refused = gatehouse(['store', 'check', '--store', url.href]);
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(/the database refused the credentials: password authentication failed/);
      expect(refused.stderr).not.toContain('wrong-Password-42');
      const nowhere = new PostgresAttestationStore(`postgres://postgres:${TEST_PASSWORD}@127.0.0.1:1/none`, { connectTimeoutMs: 2000 });
      opened.push(nowhere);
      const error = await nowhere.list(`sha256:${SUBJECT}`).catch((thrown: unknown) => thrown);
      expect(classifyError(error)).toMatchObject({ kind: 'unavailable', exitCode: 3, line: expect.stringMatching(/^postgres:\/\/postgres@127\.0\.0\.1:1\/none: PostgreSQL did not answer/) });
      expect(classifyError(error).line).not.toContain(TEST_PASSWORD);
    });
  });

  describe('writer processes', () => {
    it('16 concurrent writers on one subject lose nothing: every bundle is there once, and the inventory chains each once', async () => {
      const { url, store } = await freshStore();
      const writers = Array.from({ length: 16 }, (_, writer) => runAsync([WRITER, url, SUBJECT, String(writer), '25']).done);
      const results = await Promise.all(writers);
      const written = new Set<string>();
      for (const result of results) {
        expect(result.code, result.stderr).toBe(0);
        for (const digest of result.stdout.trim().split('\n')) written.add(digest);
      }
      // 24 bundles of its own per writer, and one every writer put.
      expect(written.size).toBe(16 * 24 + 1);
      expect(new Set(await allDigests(store))).toEqual(written);
      expect(await allDigests(store)).toHaveLength(written.size);
      const check = await store.checkInventory();
      expect(check).toMatchObject({ head: { sequence: written.size }, problems: [], unlisted: [] });
      expect((await postgres.query(url, 'SELECT count(*)::int AS n FROM gatehouse_inventory')).rows[0].n).toBe(written.size);
    }, 120_000);

    it('a writer killed (SIGKILL) mid-transaction leaves nothing behind: no bundle, no subject row, no inventory entry', async () => {
      const { url, store } = await freshStore();
      await store.put(claimingBundle([SUBJECT], 'before'));
      // Hold the inventory's append lock so the writer stops inside its transaction, after its bundle row.
      const { default: pg } = await import('pg');
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [0x6761_7465]);
        const writer = runAsync([WRITER, url, SUBJECT, 'killed', '2']);
        let waiting = 0;
        for (let attempt = 0; attempt < 300 && waiting === 0; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          waiting = (await holder.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND state = 'active'")).rows[0].n;
        }
        expect(waiting, 'the writer reached the inventory lock inside its transaction').toBe(1);
        // Inside the writer's transaction its bundle row exists; no other session can see it.
        expect((await holder.query('SELECT count(*)::int AS n FROM gatehouse_bundles')).rows[0].n).toBe(1);
        writer.child.kill('SIGKILL');
        const ended = await writer.done;
        expect(ended.signal).toBe('SIGKILL');
        expect(ended.stdout).toBe('');
      } finally {
        await holder.query('SELECT pg_advisory_unlock_all()');
        await holder.end();
      }
      // The server rolls the orphaned transaction back once it reads the closed connection.
      for (let attempt = 0; attempt < 100; attempt++) {
        const { rows } = await postgres.query(url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()");
        if (rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const counts = (await postgres.query(url, 'SELECT (SELECT count(*) FROM gatehouse_bundles)::int AS bundles, (SELECT count(*) FROM gatehouse_bundle_subjects)::int AS subjects, (SELECT count(*) FROM gatehouse_inventory)::int AS inventory')).rows[0];
      expect(counts).toEqual({ bundles: 1, subjects: 1, inventory: 1 });
      expect(await store.checkInventory()).toMatchObject({ head: { sequence: 1 }, problems: [], unlisted: [] });
      // The same bundle put again later is stored whole.
      await store.put(claimingBundle([SUBJECT], 'shared'));
      expect(await store.checkInventory()).toMatchObject({ head: { sequence: 2 }, problems: [] });
    }, 60_000);

    it('the database stopping mid-run: writers exit 3, and what any writer was told is stored is there, whole, after a restart', async () => {
      const { url, store } = await freshStore();
      const writers = Array.from({ length: 8 }, (_, writer) => runAsync([WRITER, url, SUBJECT, String(writer), '400']));
      // Let them get going, then stop the server as a crash would.
      const first = new Promise<void>((resolve) => writers[0]!.child.stdout!.once('data', () => resolve()));
      await first;
      await new Promise((resolve) => setTimeout(resolve, 300));
      await postgres.halt();
      const results = await Promise.all(writers.map((writer) => writer.done));
      try {
        for (const result of results) {
          expect(result.code, result.stderr).toBe(3);
          expect(result.stderr).toMatch(/PostgreSQL did not answer/);
          expect(result.stderr).not.toContain(TEST_PASSWORD);
        }
        // Deciding or checking against the stopped server: exit 3, one line, and no verdict.
        const keys = join(ROOT, 'examples', 'keys');
        for (const args of [
          ['verify', '--subject', `sha256:${SUBJECT}`, '--store', url, '--policy', join(ROOT, 'bundles', 'gatehouse.tar.gz'), '--policy-key', join(keys, 'policy-team.pub'), '--stage', 'development', '--signing-key', join(keys, 'decision-recorder.key')],
          ['store', 'check', '--store', url],
        ]) {
          const result = gatehouse(args);
          expect(result.status, result.stderr).toBe(3);
          expect(result.stdout).toBe('');
          expect(result.stderr).toMatch(/^gatehouse: postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+: PostgreSQL did not answer/m);
          expect(result.stderr).not.toContain(TEST_PASSWORD);
        }
      } finally {
        await postgres.start();
      }
      const told = new Set(results.flatMap((result) => result.stdout.trim().split('\n').filter((line) => line !== '')));
      expect(told.size).toBeGreaterThan(0);
      const after = new PostgresAttestationStore(url);
      opened.push(after);
      const stored = new Set(await allDigests(after));
      for (const digest of told) expect(stored.has(digest), digest).toBe(true);
      // Nothing half-written: every bundle has its subject row and its inventory entry, and the chain links.
      expect(await after.checkInventory()).toMatchObject({ head: { sequence: stored.size }, problems: [], unlisted: [] });
      void store;
    }, 120_000);
  });
});
