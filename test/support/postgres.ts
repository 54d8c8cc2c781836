// A real PostgreSQL on loopback for the store's tests: a private cluster made
// with initdb in a temporary directory, started with pg_ctl on a free port with
// its own socket directory, run as the postgres user when the tests run as root
// (initdb refuses root). scripts/install-tools.sh installs Debian's postgresql.
import { execFile } from 'node:child_process';
import { accessSync, chownSync, constants, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { freePort } from './net.ts';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

/** The password of the cluster's superuser: the tests pass credentials as a user would. */
export const TEST_PASSWORD = 'gatehouse-test-Secret-7';

/** A running private cluster: a URL per database, and ways to stop it (cleanly, or as a crash) and start it again. */
export interface TestPostgres {
  port: number;
  /** The server's process id (its postmaster), while it runs. */
  pid(): number;
  /** A fresh, empty database; its postgres:// URL (with the superuser's password). */
  createDatabase(): Promise<string>;
  /** Runs SQL as the superuser on the database a URL names. */
  query(url: string, sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** Stops the server immediately (as a crash would), keeping its data. */
  halt(): Promise<void>;
  /** Starts it again after halt. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  stop(): Promise<void>;
}

/** Where the PostgreSQL server programs are: pg_config's bindir, or Debian's newest /usr/lib/postgresql/N/bin. */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  } catch {
    // not Debian's layout
  }
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    try {
      accessSync(join(bin, 'initdb'), constants.X_OK);
      return bin;
    } catch {
      // no server programs for this version
    }
  }
  throw new Error('PostgreSQL server programs are missing: run npm run tools (npm test does this first)');
}

let databases = 0;

/**
 * Initialises and starts a private cluster on 127.0.0.1. Tests run it without
 * fsync (nothing they check survives a power cut); a benchmark asks for
 * `durable`, so commits reach the disk as the folder store's writes do.
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<TestPostgres> {
  const bin = postgresBin();
  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-postgres-'));
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? await postgresUser() : undefined;
  const as = (program: string, args: string[]) => (asRoot ? execFileAsync('runuser', ['-u', 'postgres', '--', join(bin, program), ...args]) : execFileAsync(join(bin, program), args));
  const data = join(directory, 'data');
  const sockets = join(directory, 'sockets');
  const log = join(directory, 'server.log');
  const port = await freePort();
  try {
    await execFileAsync('mkdir', ['-p', sockets]);
    await writeFile(join(directory, 'password'), `${TEST_PASSWORD}\n`);
    if (owner !== undefined) {
      for (const path of [directory, sockets, join(directory, 'password')]) chownSync(path, owner.uid, owner.gid);
    }
    await chmod(directory, 0o700);
    await as('initdb', ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${join(directory, 'password')}`, '-E', 'UTF8', '--locale=C', '--no-sync']);
    const start = async () => {
      await as('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1 -c fsync=${options.durable === true ? 'on' : 'off'} -c max_connections=200`, 'start']);
    };
    await start();
    running.add(data);
    const base = `postgres://postgres:${encodeURIComponent(TEST_PASSWORD)}@127.0.0.1:${port}`;
    const query = async (url: string, sql: string, values: unknown[] = []) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return await client.query(sql, values);
      } finally {
        await client.end();
      }
    };
    const halt = async () => {
      await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    };
    return {
      port,
      pid: () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
      async createDatabase() {
        const name = `gatehouse_${process.pid}_${++databases}`;
        await query(`${base}/postgres`, `CREATE DATABASE ${name}`);
        return `${base}/${name}`;
      },
      query,
      halt,
      start,
      async stop() {
        await halt();
        running.delete(data);
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await as('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

// Clusters still running when the test process exits are stopped with it.
const running = new Set<string>();
process.once('exit', () => {
  for (const data of running) {
    try {
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  }
});

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await execFileAsync('id', ['-u', 'postgres']).catch(() => {
    throw new Error('tests run as root start PostgreSQL as the postgres user, and there is none: install Debian\'s postgresql (npm run tools)');
  });
  const { stdout: group } = await execFileAsync('id', ['-g', 'postgres']);
  return { uid: Number(stdout.trim()), gid: Number(group.trim()) };
}

