import pg from 'pg';
import { BoundedMap } from '../concurrency/bounded-map.ts';
import { InputError, describeThrown } from '../error.ts';
import { StoreError } from './error.ts';
import { parseDigest, digestHex, type ArtifactDigest } from '../digest/artifact.ts';
import { sha256Hex, sha256HexOfRead } from '../digest/sha256.ts';
import { bundleClaims } from './serialize.ts';
import { INVENTORY_GENESIS, checkLinks, headsOffChain, inventoryHead, type InventoryCheck, type InventoryHead, type InventoryLink, type SubjectInventory } from './inventory.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';
import { decisionInventory } from './decision-claims.ts';
import type { AttestationStore, ListOptions, ListPage, PutResult, StoredBundle, StoreEntry } from './store.ts';

const DEFAULT_PAGE = 1000;
const CHECK_PAGE = 2000;
const HELD_BYTES = 64 * 1024 * 1024;
const LISTED_PAGES = 8_192;
// pg_advisory_xact_lock keys: one writer appends to the inventory at a time; one migration runs at a time.
const INVENTORY_LOCK = 0x6761_7465; // 'gate'
const MIGRATION_LOCK = 0x686f_7573; // 'hous'

/** How the PostgreSQL store connects; the connection string's credentials, or libpq's PG* environment variables, name the account. */
export interface PostgresStoreOptions {
  /** Connections held at most (default 4). */
  maxConnections?: number;
  /** How long to wait for a connection before the backend counts as unavailable (default 10 s). */
  connectTimeoutMs?: number;
  /** How long one query may take before the backend counts as unavailable (default 120 s): a server that stops answering is not waited on for ever. */
  queryTimeoutMs?: number;
  /** Bytes of bundles kept in memory so that listing them again sends only their digests (default 64 MiB). */
  heldBytes?: number;
}

/**
 * Attestation store in PostgreSQL: each bundle's exact bytes once, keyed by
 * their sha256, filed under every subject its statement names and indexed by
 * predicate type and evaluation time; an inventory that chains every bundle
 * ever put; decision records; all append-only, the database refusing UPDATE,
 * DELETE and TRUNCATE. Many runners and serving nodes share one database:
 * writes are idempotent transactions, so concurrent writers lose nothing and a
 * writer killed mid-write leaves nothing behind. The schema is gatehouse's
 * own, applied by `migrate` (`gatehouse store migrate`); any other use of a
 * database whose schema is missing or not this version is refused.
 */
export class PostgresAttestationStore implements AttestationStore {
  /** The connection string without its password. */
  readonly uri: string;
  readonly #pool: pg.Pool;
  #ready: Promise<void> | undefined;
  // Bundle bytes read, by their digest (a key's bytes never change: the store is append-only), and
  // the digests each page of a listing named last: what a listing of the same page need not send again.
  readonly #bytes: BoundedMap<string, Buffer>;
  readonly #listed = new BoundedMap<string, string[]>(LISTED_PAGES);

  constructor(connectionString: string, options: PostgresStoreOptions = {}) {
    this.uri = redactConnectionString(connectionString);
    this.#bytes = new BoundedMap(options.heldBytes ?? HELD_BYTES, (bytes) => bytes.byteLength);
    this.#pool = new pg.Pool({
      connectionString,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      query_timeout: options.queryTimeoutMs ?? 120_000,
      // A command ends when its work does; idle connections do not hold the process open.
      allowExitOnIdle: true,
    });
    // A connection lost while idle is reported by the next query that needs one.
    this.#pool.on('error', () => undefined);
  }

  /** Applies every migration this version has and the database lacks, in one transaction; returns the versions applied (none when up to date). */
  async migrate(): Promise<number[]> {
    return this.#transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS gatehouse_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      const current = await schemaVersion(client);
      if (current > SCHEMA_VERSION) throw this.#newerSchema(current);
      const applied: number[] = [];
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO gatehouse_schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        applied.push(migration.version);
      }
      this.#ready = Promise.resolve();
      return applied;
    }, false);
  }

  async put(bytes: Uint8Array): Promise<PutResult> {
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const claims = bundleClaims(data, 'bundle');
    if (claims.subjects.length === 0) throw new InputError({ code: 'BUNDLE_MALFORMED', message: 'the bundle names no sha256 subject to store it under' });
    const bundleDigest = sha256Hex(data);
    await this.#transaction(async (client) => {
      // A concurrent writer of the same bundle waits here for the first to commit, then adds nothing.
      const inserted = await client.query('INSERT INTO gatehouse_bundles (digest, bytes, predicate_type, evaluated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (digest) DO NOTHING', [
        bundleDigest,
        data,
        claims.predicateType,
        claims.evaluatedAtMs === null ? null : new Date(claims.evaluatedAtMs),
      ]);
      if (inserted.rowCount === 0) return;
      await client.query('INSERT INTO gatehouse_bundle_subjects (subject, digest) SELECT unnest($1::text[]), $2', [claims.subjects, bundleDigest]);
      // Appending to the chain is serialised: each link names the head before it.
      await client.query('SELECT pg_advisory_xact_lock($1)', [INVENTORY_LOCK]);
      const last = await currentHead(client);
      const sequence = last.sequence + 1;
      await client.query('INSERT INTO gatehouse_inventory (sequence, digest, subjects, previous, head) VALUES ($1, $2, $3, $4, $5)', [sequence, bundleDigest, claims.subjects, last.head, inventoryHead(sequence, bundleDigest, last.head)]);
    });
    return { bundleDigest, locations: claims.subjects.map((subject) => this.#location(subject, bundleDigest)) };
  }

  async get(bundleDigest: string): Promise<StoredBundle | undefined> {
    assertBundleDigest(bundleDigest);
    const { rows } = await this.#query<{ bytes: Buffer; subject: string | null }>(
      'SELECT b.bytes, (SELECT min(s.subject) FROM gatehouse_bundle_subjects s WHERE s.digest = b.digest) AS subject FROM gatehouse_bundles b WHERE b.digest = $1',
      [bundleDigest],
    );
    const row = rows[0];
    // Bytes that no longer hash to their key are not the bundle asked for.
    if (row === undefined || sha256Hex(row.bytes) !== bundleDigest) return undefined;
    return { location: this.#location(row.subject ?? 'unfiled', bundleDigest), bundleDigest, bytes: row.bytes };
  }

  async list(subject: ArtifactDigest, options: ListOptions = {}): Promise<ListPage> {
    const limit = options.limit ?? DEFAULT_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new InputError({ code: 'USAGE', message: `a page holds at least one entry, got ${limit}` });
    const hex = digestHex(parseDigest(subject, 'subject'));
    const after = options.cursor === undefined ? null : parseCursor(options.cursor);
    // The bytes this process already holds of what the same page listed last time are not sent again:
    // PostgreSQL hashes them where they lie, and the listing says whether they still match their key.
    const key = `${hex} ${after ?? ''}`;
    const held = new Map<string, Buffer>();
    for (const digest of this.#listed.get(key) ?? []) {
      const bytes = this.#bytes.get(digest);
      if (bytes !== undefined) held.set(digest, bytes);
    }
    const { rows } = await this.#prepared<{ digest: string; bytes: Buffer | null; content: string | null }>(
      'list',
      `SELECT b.digest,
              CASE WHEN b.digest = ANY($6::text[]) THEN NULL ELSE b.bytes END AS bytes,
              CASE WHEN b.digest = ANY($6::text[]) THEN encode(sha256(b.bytes), 'hex') END AS content
         FROM gatehouse_bundle_subjects s JOIN gatehouse_bundles b ON b.digest = s.digest
        WHERE s.subject = $1
          AND ($2::text IS NULL OR b.predicate_type = $2)
          AND ($3::timestamptz IS NULL OR b.evaluated_at IS NULL OR b.evaluated_at >= $3)
          AND ($4::text IS NULL OR s.digest > $4)
        ORDER BY s.digest LIMIT $5`,
      [hex, options.predicateType ?? null, options.since ?? null, after, limit + 1, [...held.keys()]],
    );
    const listed = rows.slice(0, limit);
    this.#listed.set(
      key,
      listed.map((row) => row.digest),
    );
    const entries: StoreEntry[] = listed.map((row) => {
      const location = this.#location(hex, row.digest);
      const content = row.bytes === null ? row.content! : sha256HexOfRead(row.bytes);
      if (content !== row.digest) {
        return { location, error: new InputError({ code: 'BUNDLE_MALFORMED', message: `content digest ${content} does not match the key it is stored under`, path: location }) };
      }
      if (row.bytes !== null) this.#bytes.set(row.digest, row.bytes);
      return { location, bundleDigest: row.digest, bytes: row.bytes ?? held.get(row.digest)! };
    });
    return rows.length > limit ? { entries, next: toCursor(rows[limit - 1]!.digest) } : { entries };
  }

  async subjects(): Promise<ArtifactDigest[]> {
    const { rows } = await this.#query<{ subject: string }>('SELECT DISTINCT subject FROM gatehouse_bundle_subjects ORDER BY subject');
    return rows.map((row) => `sha256:${row.subject}` as ArtifactDigest);
  }

  async recordDecision(bytes: Uint8Array): Promise<PutResult> {
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const [subject] = bundleClaims(data, 'decision record').subjects;
    if (subject === undefined) throw new InputError({ code: 'BUNDLE_MALFORMED', message: 'the decision record names no sha256 subject' });
    const inventory = decisionInventory(data);
    const digest = sha256Hex(data);
    await this.#query('INSERT INTO gatehouse_decisions (digest, bytes, subject, inventory_seq, inventory_head) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (digest) DO NOTHING', [
      digest,
      data,
      subject,
      inventory?.sequence ?? null,
      inventory?.head ?? null,
    ]);
    return { bundleDigest: digest, locations: [`${this.uri}#decisions/${digest}.sigstore.json`] };
  }

  async inventoryHead(): Promise<InventoryHead> {
    await this.#schema();
    return this.#connected((client) => currentHead(client));
  }

  async inventoryOf(subject: ArtifactDigest, at?: InventoryHead): Promise<SubjectInventory> {
    const hex = digestHex(parseDigest(subject, 'subject'));
    // One statement, so one snapshot (and one round trip, on a server's every decision): the head and what is listed up to it.
    if (at === undefined) {
      // The digests come as one space-separated text, cheaper to read than an array.
      const { rows } = await this.#prepared<{ sequence: string; head: string; bundles: string | null }>(
        'inventory_of',
        `SELECT h.sequence, h.head, (SELECT string_agg(i.digest, ' ' ORDER BY i.digest) FROM gatehouse_inventory i WHERE i.subjects @> ARRAY[$1]::text[] AND i.sequence <= h.sequence) AS bundles
           FROM (SELECT sequence, head FROM gatehouse_inventory ORDER BY sequence DESC LIMIT 1) h`,
        [hex],
      );
      const row = rows[0];
      if (row === undefined) return { head: { sequence: 0, head: INVENTORY_GENESIS }, bundles: [], onChain: true };
      return { head: { sequence: Number(row.sequence), head: row.head }, bundles: digestList(row.bundles), onChain: true };
    }
    const { rows } = await this.#prepared<{ head: string | null; bundles: string | null }>(
      'inventory_at',
      `SELECT (SELECT head FROM gatehouse_inventory WHERE sequence = $2) AS head,
              (SELECT string_agg(digest, ' ' ORDER BY digest) FROM gatehouse_inventory WHERE subjects @> ARRAY[$1]::text[] AND sequence <= $2) AS bundles`,
      [hex, at.sequence],
    );
    const onChain = at.sequence === 0 ? at.head === INVENTORY_GENESIS : rows[0]?.head === at.head;
    return { head: at, bundles: digestList(rows[0]?.bundles ?? null), onChain };
  }

  async checkInventory(expected: readonly InventoryHead[] = []): Promise<InventoryCheck> {
    // One snapshot: writers carry on, and what they add meanwhile is not half-seen.
    return this.#transaction(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const problems: string[] = [];
      const heads = new Map<number, string>();
      let at: InventoryHead = { sequence: 0, head: INVENTORY_GENESIS };
      let after = 0;
      for (;;) {
        const { rows } = await client.query<{ sequence: string; digest: string; previous: string; head: string; bytes: Buffer | null; subjects: string[] }>(
          `SELECT i.sequence, i.digest, i.previous, i.head, b.bytes,
                  ARRAY(SELECT s.subject::text FROM gatehouse_bundle_subjects s WHERE s.digest = i.digest ORDER BY s.subject) AS subjects
             FROM gatehouse_inventory i LEFT JOIN gatehouse_bundles b ON b.digest = i.digest
            WHERE i.sequence > $1 ORDER BY i.sequence LIMIT $2`,
          [after, CHECK_PAGE],
        );
        if (rows.length === 0) break;
        const links: InventoryLink[] = rows.map((row) => ({ sequence: Number(row.sequence), bundleDigest: row.digest, previous: row.previous, head: row.head }));
        at = checkLinks(links, at, problems);
        for (const [index, row] of rows.entries()) {
          heads.set(links[index]!.sequence, row.head);
          problems.push(...bundleProblems(row.sequence, row.digest, row.bytes, row.subjects));
        }
        after = Number(rows[rows.length - 1]!.sequence);
      }
      const { rows: stray } = await client.query<{ digest: string }>(
        'SELECT b.digest FROM gatehouse_bundles b WHERE NOT EXISTS (SELECT 1 FROM gatehouse_inventory i WHERE i.digest = b.digest) ORDER BY b.digest',
      );
      const unlisted = stray.map((row) => `sha256:${row.digest}`);
      // Every decision recorded the head it saw; that head must still be on the chain.
      const seen: InventoryHead[] = [...expected];
      const { rows: decisions } = await client.query<{ digest: string; bytes: Buffer }>('SELECT digest, bytes FROM gatehouse_decisions ORDER BY digest');
      for (const row of decisions) {
        if (sha256Hex(row.bytes) !== row.digest) {
          problems.push(`decision record sha256:${row.digest} does not hash to its key: it was rewritten`);
          continue;
        }
        const head = decisionInventory(row.bytes);
        if (head !== null) seen.push(head);
      }
      problems.push(...headsOffChain(seen, heads));
      return { head: at, problems: [...new Set(problems)], unlisted };
    });
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => undefined);
  }

  #location(subject: string, bundleDigest: string): string {
    return `${this.uri}#sha256-${subject}/${bundleDigest}.sigstore.json`;
  }

  // Every use but migrate checks once that the schema is the one this version knows.
  #schema(): Promise<void> {
    this.#ready ??= this.#connected(async (client) => {
      const present = (await client.query<{ present: boolean }>("SELECT to_regclass('gatehouse_schema_migrations') IS NOT NULL AS present")).rows[0]?.present === true;
      const version = present ? await schemaVersion(client) : 0;
      if (version > SCHEMA_VERSION) throw this.#newerSchema(version);
      if (version < SCHEMA_VERSION) {
        const state = version === 0 ? 'has no gatehouse schema' : `has schema version ${version}, this gatehouse needs ${SCHEMA_VERSION}`;
        throw new InputError({ code: 'USAGE', message: `--store ${this.uri}: the database ${state}: run gatehouse store migrate --store ${this.uri}` });
      }
    }).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  #newerSchema(version: number): InputError {
    return new InputError({ code: 'USAGE', message: `--store ${this.uri}: the database has schema version ${version}, newer than this gatehouse knows (${SCHEMA_VERSION}): upgrade gatehouse` });
  }

  async #query<Row extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<pg.QueryResult<Row>> {
    await this.#schema();
    return this.#connected((client) => client.query<Row>(sql, values));
  }

  // The queries a server makes on every decision, prepared once per connection under a name (parsed and planned once, not each time).
  async #prepared<Row extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<pg.QueryResult<Row>> {
    await this.#schema();
    return this.#connected((client) => client.query<Row>({ name: `gatehouse_${name}`, text, values }));
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>, checkSchema = true): Promise<T> {
    if (checkSchema) await this.#schema();
    return this.#connected(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async #connected<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (cause) {
      throw this.#failure(cause);
    }
    // A connection lost mid-query fails that query; the client's own 'error' event, unheard, would end the process.
    const ignore = (): void => undefined;
    client.on('error', ignore);
    let broken: unknown;
    try {
      return await work(client);
    } catch (error) {
      if (error instanceof InputError || error instanceof StoreError) throw error;
      broken = error;
      throw this.#failure(error);
    } finally {
      // A connection that failed mid-work is not handed to the next query.
      client.off('error', ignore);
      client.release(broken === undefined ? undefined : true);
    }
  }

  // Credentials refused or a database that does not exist are the caller's to fix (bad input, exit 2);
  // anything else (refused connection, a server shutting down, a dropped connection) is the backend
  // being unavailable (exit 3), which says nothing about the evidence.
  #failure(cause: unknown): InputError | StoreError {
    const code = (cause as { code?: unknown }).code;
    const detail = describeThrown(cause);
    if (code === '28P01' || code === '28000') return new InputError({ code: 'USAGE', message: `--store ${this.uri}: the database refused the credentials: ${detail}`, cause });
    if (code === '3D000') return new InputError({ code: 'USAGE', message: `--store ${this.uri}: ${detail}`, cause });
    return new StoreError({ code: 'UNAVAILABLE', message: `PostgreSQL did not answer: ${detail}`, uri: this.uri, cause });
  }
}

/** A postgres:// connection string with its password (in the authority or the query) removed, to name the store in output. */
export function redactConnectionString(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password !== '') url.password = '';
    for (const key of [...url.searchParams.keys()]) if (/^password$/i.test(key)) url.searchParams.delete(key);
    return url.href.replace(/:@/, '@');
  } catch {
    return connectionString.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1@');
  }
}

// The digests string_agg joined with spaces (null: none).
function digestList(joined: string | null): string[] {
  return joined === null ? [] : joined.split(' ');
}

async function schemaVersion(client: pg.PoolClient): Promise<number> {
  const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM gatehouse_schema_migrations');
  return rows[0]?.version ?? 0;
}

async function currentHead(client: pg.PoolClient): Promise<InventoryHead> {
  // Prepared once per connection: a server asks it on every decision.
  const { rows } = await client.query<{ sequence: string; head: string }>({ name: 'gatehouse_head', text: 'SELECT sequence, head FROM gatehouse_inventory ORDER BY sequence DESC LIMIT 1' });
  const row = rows[0];
  return row === undefined ? { sequence: 0, head: INVENTORY_GENESIS } : { sequence: Number(row.sequence), head: row.head };
}

// What is wrong with the bundle an inventory entry names, as it stands now.
function bundleProblems(sequence: string, digest: string, bytes: Buffer | null, subjects: string[]): string[] {
  const entry = `bundle sha256:${digest} (inventory entry ${sequence})`;
  if (bytes === null) return [`${entry} is gone from the store: it was deleted`];
  if (sha256Hex(bytes) !== digest) return [`${entry} no longer has the bytes that were put: they were rewritten`];
  let named: string[];
  try {
    named = [...bundleClaims(bytes, entry).subjects].sort();
  } catch {
    return [`${entry} is not a bundle`];
  }
  if (named.join() !== subjects.join()) return [`${entry} is filed under ${subjects.length} of the ${named.length} subjects it names: its index was changed`];
  return [];
}

function assertBundleDigest(bundleDigest: string): void {
  if (!/^[0-9a-f]{64}$/.test(bundleDigest)) throw new InputError({ code: 'DIGEST_INVALID', message: `a bundle digest is 64 lowercase hex digits, got ${JSON.stringify(bundleDigest)}` });
}

function toCursor(digest: string): string {
  return Buffer.from(JSON.stringify(['postgres', digest]), 'utf8').toString('base64url');
}

function parseCursor(cursor: string): string {
  try {
    const [kind, digest] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (kind === 'postgres' && typeof digest === 'string' && /^[0-9a-f]{64}$/.test(digest)) return digest;
  } catch {
    // Reported below.
  }
  throw new InputError({ code: 'USAGE', message: `not a cursor this store gave: ${JSON.stringify(cursor)}` });
}
