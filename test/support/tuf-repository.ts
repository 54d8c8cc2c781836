// A TUF repository for tests, served over loopback HTTP (tuf-js fetches with the
// global fetch, which nock 13 does not intercept). Keys come from
// @tufjs/repo-mock, metadata from @tufjs/models (what tuf-js itself reads);
// each method publishes a new state a real repository could be in, or an
// attack on it: a root rotation, expiry, a rollback, a tampered target, or a
// file the server fails to deliver.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';
import { KeyPair } from '@tufjs/repo-mock/dist/key.js';

const DAY = 24 * 60 * 60 * 1000;
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const json = (metadata: Metadata<Root | Timestamp | Snapshot | Targets>) => Buffer.from(JSON.stringify(metadata.toJSON()));

/** How the server fails a request: an HTTP error status, no answer at all, the connection closed before any answer, or closed halfway through the body. */
export type ServerFailure = { status: number } | 'no answer' | 'connection closed' | 'body cut short';

/** A TUF repository on a loopback port, whose every published state is kept so it can be served again. */
export class TUFTestRepository {
  readonly url: string;
  /** 1.root.json: what a client is given as --tuf-root. */
  readonly initialRoot: Buffer;
  #server: Server;
  #served = new Map<string, Buffer>();
  #failures = new Map<string, ServerFailure>();
  #rootKeys: KeyPair[];
  #roleKeys: KeyPair;
  #rootVersion = 1;
  #version = 0;
  #history: Map<string, Buffer>[] = [];
  /** Paths requested, in order. */
  readonly requests: string[] = [];

  private constructor(server: Server, url: string) {
    this.#server = server;
    this.url = url;
    this.#rootKeys = [new KeyPair()];
    this.#roleKeys = new KeyPair();
    this.#publishRoot([this.#rootKeys[0]!]);
    this.initialRoot = this.#served.get('1.root.json')!;
  }

  /** Starts the server with an initial root and no targets, at the server's root or under `path` (such as "/tuf"). */
  static async start(options: { path?: string } = {}): Promise<TUFTestRepository> {
    const prefix = `${options.path ?? ''}/`;
    let repository: TUFTestRepository | undefined;
    const server = createServer((request, response) => {
      const requested = decodeURIComponent(request.url ?? '/');
      const path = requested.startsWith(prefix) ? requested.slice(prefix.length) : requested;
      repository?.requests.push(path);
      const failure = repository === undefined ? undefined : repository.#failures.get(path);
      if (failure === 'no answer') return;
      if (failure === 'connection closed') {
        request.socket.destroy();
        return;
      }
      const body = repository === undefined || !requested.startsWith(prefix) ? undefined : repository.#served.get(path);
      const status = typeof failure === 'object' ? failure.status : body === undefined ? 404 : 200;
      if (status !== 200 || body === undefined) {
        response.writeHead(status).end();
        return;
      }
      if (failure === 'body cut short') {
        // The headers promise the whole file; half of it comes, then the connection closes.
        response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
        response.write(body.subarray(0, body.length >> 1), () => request.socket.destroy());
        return;
      }
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    repository = new TUFTestRepository(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}${options.path ?? ''}`);
    return repository;
  }

  /**
   * Publishes targets with new targets, snapshot and timestamp versions; `expires` applies to all three (default: in a week),
   * unless one role's own expiry is given.
   */
  publish(targets: Record<string, Buffer | string>, options: { expires?: Date; timestampExpires?: Date; snapshotExpires?: Date; targetsExpires?: Date } = {}): void {
    this.#version += 1;
    const expires = (options.expires ?? new Date(Date.now() + 7 * DAY)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const expiry = (own: Date | undefined) => (own === undefined ? expires : own.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const targetsMeta = new Metadata(new Targets({ version: this.#version, specVersion: '1.0.31', expires: expiry(options.targetsExpires) }));
    for (const [name, content] of Object.entries(targets)) {
      const bytes = Buffer.from(content);
      targetsMeta.signed.addTarget(new TargetFile({ path: name, length: bytes.length, hashes: { sha256: sha256(bytes) } }));
      this.#served.set(`targets/${name}`, bytes);
    }
    this.#sign(targetsMeta, [this.#roleKeys]);
    const targetsBytes = json(targetsMeta);
    const snapshot = new Metadata(new Snapshot({ version: this.#version, specVersion: '1.0.31', expires: expiry(options.snapshotExpires), meta: { 'targets.json': new MetaFile({ version: this.#version, length: targetsBytes.length, hashes: { sha256: sha256(targetsBytes) } }) } }));
    this.#sign(snapshot, [this.#roleKeys]);
    const snapshotBytes = json(snapshot);
    const timestamp = new Metadata(new Timestamp({ version: this.#version, specVersion: '1.0.31', expires: expiry(options.timestampExpires), snapshotMeta: new MetaFile({ version: this.#version, length: snapshotBytes.length, hashes: { sha256: sha256(snapshotBytes) } }) }));
    this.#sign(timestamp, [this.#roleKeys]);
    this.#served.set('targets.json', targetsBytes);
    this.#served.set('snapshot.json', snapshotBytes);
    this.#served.set('timestamp.json', json(timestamp));
    this.#history.push(new Map(this.#served));
  }

  /**
   * Rotates the root to new root and role keys, signed by the new root key and
   * (unless `signedByOldRoot` is false, an attacker's rotation) the old one,
   * then republishes `targets` under the new role key.
   */
  rotateRoot(targets: Record<string, Buffer | string>, options: { signedByOldRoot?: boolean } = {}): void {
    const previous = this.#rootKeys;
    this.#rootKeys = [new KeyPair()];
    this.#roleKeys = new KeyPair();
    this.#publishRoot(options.signedByOldRoot === false ? this.#rootKeys : [...previous, ...this.#rootKeys]);
    this.publish(targets);
  }

  /** Serves again exactly what publication `index` (0 first) served: a rollback to older metadata. */
  rollBackTo(index: number): void {
    this.#served = new Map(this.#history[index]!);
  }

  /** Serves other bytes for a target than its signed hash names. */
  tamperTarget(name: string, content: Buffer | string): void {
    this.#served.set(`targets/${name}`, Buffer.from(content));
  }

  /** Serves other bytes for a metadata file ("timestamp.json", "snapshot.json") than its signer signed. */
  tamperMetadata(name: string, content: Buffer | string): void {
    this.#served.set(name, Buffer.from(content));
  }

  /** Fails every request for `path` ("timestamp.json", "targets/trusted_root.json") from now on, while the rest is served. */
  fail(path: string, failure: ServerFailure): void {
    this.#failures.set(path, failure);
  }

  /** Stops answering (the server is closed): the repository is unreachable. */
  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #publishRoot(signers: KeyPair[]): void {
    const expires = new Date(Date.now() + 365 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const root = new Metadata(new Root({ version: this.#rootVersion, specVersion: '1.0.31', expires, consistentSnapshot: false }));
    root.signed.addKey(this.#rootKeys[0]!.publicKey as never, 'root');
    for (const role of ['timestamp', 'snapshot', 'targets']) root.signed.addKey(this.#roleKeys.publicKey as never, role);
    this.#sign(root, signers);
    this.#served.set(`${this.#rootVersion}.root.json`, json(root));
    this.#rootVersion += 1;
  }

  #sign(metadata: Metadata<Root | Timestamp | Snapshot | Targets>, keys: KeyPair[]): void {
    for (const key of keys) metadata.sign((data) => key.sign(data) as never, true);
  }
}
