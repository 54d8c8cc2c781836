/**
 * The PostgreSQL store's schema, as numbered migrations applied in order by
 * `gatehouse store migrate` and recorded in gatehouse_schema_migrations. A
 * migration, once released, is never edited: a change is a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'bundles, subjects, inventory and decision records, append-only',
    sql: `
CREATE TABLE gatehouse_bundles (
  digest         char(64) COLLATE "C" PRIMARY KEY CHECK (digest ~ '^[0-9a-f]{64}$'),
  bytes          bytea NOT NULL,
  predicate_type text,
  evaluated_at   timestamptz,
  stored_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gatehouse_bundles_predicate_type ON gatehouse_bundles (predicate_type);
CREATE INDEX gatehouse_bundles_evaluated_at ON gatehouse_bundles (evaluated_at);
CREATE INDEX gatehouse_bundles_stored_at ON gatehouse_bundles (stored_at);

CREATE TABLE gatehouse_bundle_subjects (
  subject char(64) COLLATE "C" NOT NULL CHECK (subject ~ '^[0-9a-f]{64}$'),
  digest  char(64) COLLATE "C" NOT NULL REFERENCES gatehouse_bundles (digest),
  PRIMARY KEY (subject, digest)
);
CREATE INDEX gatehouse_bundle_subjects_digest ON gatehouse_bundle_subjects (digest);

CREATE TABLE gatehouse_inventory (
  sequence bigint PRIMARY KEY CHECK (sequence > 0),
  digest   char(64) COLLATE "C" NOT NULL UNIQUE REFERENCES gatehouse_bundles (digest),
  subjects text[] NOT NULL,
  previous char(64) COLLATE "C" NOT NULL,
  head     char(64) COLLATE "C" NOT NULL UNIQUE
);
CREATE INDEX gatehouse_inventory_subjects ON gatehouse_inventory USING gin (subjects);

CREATE TABLE gatehouse_decisions (
  digest         char(64) COLLATE "C" PRIMARY KEY CHECK (digest ~ '^[0-9a-f]{64}$'),
  bytes          bytea NOT NULL,
  subject        char(64) COLLATE "C" NOT NULL,
  inventory_seq  bigint,
  inventory_head char(64) COLLATE "C",
  stored_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gatehouse_decisions_subject ON gatehouse_decisions (subject);

-- Evidence and records are only ever added: the database itself refuses to change or remove them.
CREATE FUNCTION gatehouse_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'gatehouse: % is append-only; % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER gatehouse_bundles_append_only BEFORE UPDATE OR DELETE ON gatehouse_bundles FOR EACH ROW EXECUTE FUNCTION gatehouse_append_only();
CREATE TRIGGER gatehouse_bundles_no_truncate BEFORE TRUNCATE ON gatehouse_bundles FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_append_only();
CREATE TRIGGER gatehouse_bundle_subjects_append_only BEFORE UPDATE OR DELETE ON gatehouse_bundle_subjects FOR EACH ROW EXECUTE FUNCTION gatehouse_append_only();
CREATE TRIGGER gatehouse_bundle_subjects_no_truncate BEFORE TRUNCATE ON gatehouse_bundle_subjects FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_append_only();
CREATE TRIGGER gatehouse_inventory_append_only BEFORE UPDATE OR DELETE ON gatehouse_inventory FOR EACH ROW EXECUTE FUNCTION gatehouse_append_only();
CREATE TRIGGER gatehouse_inventory_no_truncate BEFORE TRUNCATE ON gatehouse_inventory FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_append_only();
CREATE TRIGGER gatehouse_decisions_append_only BEFORE UPDATE OR DELETE ON gatehouse_decisions FOR EACH ROW EXECUTE FUNCTION gatehouse_append_only();
CREATE TRIGGER gatehouse_decisions_no_truncate BEFORE TRUNCATE ON gatehouse_decisions FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_append_only();
`,
  },
  {
    version: 2,
    name: 'inventory subject lookups without a GIN pending list',
    // With fastupdate on, the GIN index defers new entries to a pending list that every lookup
    // reads whole until a vacuum merges it (up to gin_pending_list_limit, 4 MB): each decision's
    // inventory question then cost milliseconds after a burst of puts. Entries now go straight in.
    sql: `
ALTER INDEX gatehouse_inventory_subjects SET (fastupdate = off);
SELECT gin_clean_pending_list('gatehouse_inventory_subjects'::regclass);
`,
  },
];

/** The schema version this gatehouse reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
