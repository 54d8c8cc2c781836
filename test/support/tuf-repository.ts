// A TUF repository for tests, served over loopback HTTP (tuf-js fetches with the
// global fetch, which nock 13 does not intercept). Keys come from
// @tufjs/repo-mock, metadata from @tufjs/models (what tuf-js itself reads);
// each method publishes a new state a real repository could be in, or an
// attack on it: a root rotation, expiry, a rollback, a tampered target.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';
import { KeyPair } from '@tufjs/repo-mock/dist/key.js';

const DAY = 24 * 60 * 60 * 1000;
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const json = (metadata: Metadata<Root | Timestamp | Snapshot | Targets>) => Buffer.from(JSON.stringify(metadata.toJSON()));

/** A TUF repository on a loopback port, whose every published state is kept so it can be served again. */
export class TUFTestRepository {
  readonly url: string;
  /** 1.root.json: what a client is given as --tuf-root. */
  readonly initialRoot: Buffer;
  #server: Server;
  #served = new Map<string, Buffer>();
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

  /** Starts the server with an initial root and no targets. */
  static async start(): Promise<TUFTestRepository> {
    let repository: TUFTestRepository | undefined;
    const server = createServer((request, response) => {
      const path = decodeURIComponent((request.url ?? '/').replace(/^\//, ''));
      repository?.requests.push(path);
      const body = repository === undefined ? undefined : repository.#served.get(path);
      if (body === undefined) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    repository = new TUFTestRepository(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return repository;
  }

  /** Publishes targets with new targets, snapshot and timestamp versions; `expires` applies to all three (default: in a week). */
  publish(targets: Record<string, Buffer | string>, options: { expires?: Date; timestampExpires?: Date } = {}): void {
    this.#version += 1;
    const expires = (options.expires ?? new Date(Date.now() + 7 * DAY)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const targetsMeta = new Metadata(new Targets({ version: this.#version, specVersion: '1.0.31', expires }));
    for (const [name, content] of Object.entries(targets)) {
      const bytes = Buffer.from(content);
      targetsMeta.signed.addTarget(new TargetFile({ path: name, length: bytes.length, hashes: { sha256: sha256(bytes) } }));
      this.#served.set(`targets/${name}`, bytes);
    }
    this.#sign(targetsMeta, [this.#roleKeys]);
    const targetsBytes = json(targetsMeta);
    const snapshot = new Metadata(new Snapshot({ version: this.#version, specVersion: '1.0.31', expires, meta: { 'targets.json': new MetaFile({ version: this.#version, length: targetsBytes.length, hashes: { sha256: sha256(targetsBytes) } }) } }));
    this.#sign(snapshot, [this.#roleKeys]);
    const snapshotBytes = json(snapshot);
    const timestampExpires = options.timestampExpires === undefined ? expires : options.timestampExpires.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const timestamp = new Metadata(new Timestamp({ version: this.#version, specVersion: '1.0.31', expires: timestampExpires, snapshotMeta: new MetaFile({ version: this.#version, length: snapshotBytes.length, hashes: { sha256: sha256(snapshotBytes) } }) }));
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
