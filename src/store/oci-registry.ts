import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError, describeThrown } from '../error.ts';
import { EndpointError } from '../io/error.ts';
import { requestWithRetry, type HTTPAnswer } from '../io/http.ts';
import { sha256Hex, sha256HexOfRead } from '../digest/sha256.ts';
import { StoreError } from './error.ts';

/** The OCI image manifest media type every manifest gatehouse pushes has. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
/** The OCI image index media type (the referrers API's answer, and the tag fallback's index). */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** An OCI content descriptor: what a manifest, an index or a layer points at. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** A manifest as the registry served it: its exact bytes, their digest, and its media type. */
export interface FetchedManifest {
  bytes: Buffer;
  digest: string;
  mediaType: string;
}

/** A user name and password (or token) for a registry. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** Where the registry client finds credentials; the defaults read the process's environment and home. */
export interface RegistryClientOptions {
  /** Variables to read GATEHOUSE_REGISTRY_USERNAME/PASSWORD and DOCKER_CONFIG from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Per-attempt timeout in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Retries after a timeout, network error, 429 or 5xx (default 3). */
  retries?: number;
}

const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, 'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json'].join(', ');

/**
 * A small client for one repository of an OCI distribution registry: blobs,
 * manifests, tags and the OCI 1.1 referrers API, over the project's HTTP
 * helper. It speaks plain HTTP to a loopback registry and HTTPS to any other.
 * Credentials come from GATEHOUSE_REGISTRY_USERNAME and
 * GATEHOUSE_REGISTRY_PASSWORD, else the `auths` of Docker's config.json
 * ($DOCKER_CONFIG or ~/.docker); they answer a Basic challenge, or buy a
 * token from a Bearer challenge's realm, as registries ask. A registry that
 * wants credentials it is not given, or refuses them, is bad input (exit 2);
 * one that does not answer is StoreError UNAVAILABLE (exit 3).
 */
export class RegistryClient {
  /** `host[:port]` as given. */
  readonly host: string;
  readonly repository: string;
  /** `oci://host/repository`, naming the store in output. */
  readonly uri: string;
  readonly #base: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #timeoutMs: number;
  readonly #retries: number;
  #credentials: RegistryCredentials | null | undefined;
  // The Authorization header the registry last accepted (Basic, or a Bearer token).
  #authorization: string | undefined;

  constructor(host: string, repository: string, options: RegistryClientOptions = {}) {
    this.host = host;
    this.repository = repository;
    this.uri = `oci://${host}/${repository}`;
    this.#base = `${isLoopback(host) ? 'http' : 'https'}://${host}/v2/${repository}`;
    this.#env = options.env ?? process.env;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retries = options.retries ?? 3;
  }

  /** Whether the repository holds a blob with this digest. */
  async hasBlob(digest: string): Promise<boolean> {
    const answer = await this.#send('HEAD', `/blobs/${digest}`);
    if (answer.status === 404) return false;
    this.#expect(answer, [200], `blob ${digest}`);
    return true;
  }

  /** The blob's bytes, checked against its digest, or undefined when the registry has none (or serves other bytes). */
  async blob(digest: string): Promise<Buffer | undefined> {
    const bytes = await this.blobAsServed(digest);
    return bytes !== undefined && `sha256:${sha256HexOfRead(bytes)}` === digest ? bytes : undefined;
  }

  /** The bytes the registry serves for a blob, unchecked (for a caller that reports what differs), or undefined when it has none. */
  async blobAsServed(digest: string): Promise<Buffer | undefined> {
    const answer = await this.#send('GET', `/blobs/${digest}`);
    if (answer.status === 404) return undefined;
    this.#expect(answer, [200], `blob ${digest}`);
    return answer.body;
  }

  /** Uploads a blob unless the repository has it; returns its descriptor. */
  async pushBlob(bytes: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = `sha256:${sha256Hex(bytes)}`;
    if (!(await this.hasBlob(digest))) {
      const started = await this.#send('POST', '/blobs/uploads/');
      this.#expect(started, [202], 'blob upload');
      const location = started.headers.get('location');
      if (location === null) throw this.#unavailable(`the registry started a blob upload without a Location`);
      const url = new URL(location, `${this.#base}/blobs/uploads/`);
      url.searchParams.set('digest', digest);
      const done = await this.#send('PUT', url.href, { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
      this.#expect(done, [201], `blob ${digest}`);
    }
    return { mediaType, digest, size: bytes.length };
  }

  /** The manifest a tag or digest names, or undefined when there is none; one fetched by digest is checked against it. */
  async manifest(reference: string): Promise<FetchedManifest | undefined> {
    const answer = await this.#send('GET', `/manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
    if (answer.status === 404) return undefined;
    this.#expect(answer, [200], `manifest ${reference}`);
    const digest = `sha256:${sha256Hex(answer.body)}`;
    if (reference.startsWith('sha256:') && digest !== reference) return undefined;
    return { bytes: answer.body, digest, mediaType: (answer.headers.get('content-type') ?? '').split(';')[0]!.trim() };
  }

  /** The descriptor of the manifest a digest names (from HEAD), or undefined when the repository has none. */
  async manifestDescriptor(digest: string): Promise<Descriptor | undefined> {
    const answer = await this.#send('HEAD', `/manifests/${digest}`, { headers: { accept: MANIFEST_ACCEPT } });
    if (answer.status === 404) return undefined;
    this.#expect(answer, [200], `manifest ${digest}`);
    const size = Number(answer.headers.get('content-length'));
    const mediaType = (answer.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (!Number.isSafeInteger(size) || mediaType === '') {
      // Not every registry describes a manifest in its HEAD answer: read it.
      const fetched = await this.manifest(digest);
      return fetched === undefined ? undefined : { mediaType: fetched.mediaType, digest, size: fetched.bytes.length };
    }
    return { mediaType, digest, size };
  }

  /** Pushes a manifest under a tag or its digest; returns its descriptor and whether the registry took its subject (the OCI-Subject header). */
  async pushManifest(reference: string, bytes: Buffer, mediaType: string): Promise<{ descriptor: Descriptor; subjectAccepted: boolean }> {
    let answer = await this.#send('PUT', `/manifests/${reference}`, { body: bytes, headers: { 'content-type': mediaType } });
    // distribution 2.8 briefly forgets a blob while another client uploads the same one (the empty
    // config, pushed by every writer): it refuses the manifest as naming an unknown blob. Ask again.
    for (let attempt = 1; attempt <= 6 && answer.status === 400 && answer.body.includes('MANIFEST_BLOB_UNKNOWN'); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      answer = await this.#send('PUT', `/manifests/${reference}`, { body: bytes, headers: { 'content-type': mediaType } });
    }
    this.#expect(answer, [201], `manifest ${reference}`);
    return { descriptor: { mediaType, digest: `sha256:${sha256Hex(bytes)}`, size: bytes.length }, subjectAccepted: answer.headers.has('oci-subject') };
  }

  /** Deletes a manifest (for tests standing for someone with write access). */
  async deleteManifest(reference: string): Promise<void> {
    const answer = await this.#send('DELETE', `/manifests/${reference}`);
    this.#expect(answer, [202, 200], `manifest ${reference}`);
  }

  /**
   * The referrers of a manifest through the OCI 1.1 referrers API, or null
   * when the registry does not serve it (404: a registry that has it answers
   * an index, empty when nothing refers). A registry that has the API but not
   * yet the repository answers 404 too, which reads as no referrers either way.
   */
  async referrers(digest: string): Promise<Descriptor[] | null> {
    const answer = await this.#send('GET', `/referrers/${digest}`, { headers: { accept: OCI_INDEX } });
    if (answer.status === 404) return null;
    this.#expect(answer, [200], `referrers of ${digest}`);
    return indexManifests(answer.body, `${this.uri} referrers of ${digest}`);
  }

  /** Every tag of the repository starting with `prefix`, sorted, following the registry's pages. */
  async tags(prefix = ''): Promise<string[]> {
    const out: string[] = [];
    let path = `/tags/list?n=1000`;
    let last: string | undefined;
    for (;;) {
      const answer = await this.#send('GET', path);
      if (answer.status === 404) return out;
      this.#expect(answer, [200], 'tags');
      let tags: unknown;
      try {
        tags = (JSON.parse(answer.body.toString('utf8')) as { tags?: unknown }).tags;
      } catch (cause) {
        throw this.#unavailable(`the registry's tag list is not JSON`, cause);
      }
      const page = Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [];
      // A registry that ignores `last` would send the first page again and again: only tags past the last seen count.
      const fresh = page.filter((tag) => last === undefined || tag > last);
      if (fresh.length === 0) break;
      last = fresh.at(-1);
      out.push(...fresh.filter((tag) => tag.startsWith(prefix)));
      // RFC 5988 Link to the next page, as distribution gives it; without one, ask after the last tag.
      const link = /<([^>]+)>;\s*rel="?next"?/.exec(answer.headers.get('link') ?? '')?.[1];
      if (link !== undefined) path = new URL(link, this.#base).href;
      else if (page.length >= 1000) path = `/tags/list?n=1000&last=${encodeURIComponent(last!)}`;
      else break;
    }
    return [...new Set(out)].sort();
  }

  // One request with the registry's auth: a 401 is answered once with credentials (Basic) or a token (Bearer).
  async #send(method: string, path: string, init: { body?: Buffer; headers?: Record<string, string> } = {}): Promise<HTTPAnswer> {
    const url = path.startsWith('http') ? path : `${this.#base}${path}`;
    const send = (authorization: string | undefined) =>
      this.#request(url, { method, ...(init.body === undefined ? {} : { body: new Uint8Array(init.body) }), headers: { ...init.headers, ...(authorization === undefined ? {} : { authorization }) } });
    let answer = await send(this.#authorization);
    if (answer.status !== 401) return this.#refused(answer);
    this.#authorization = await this.#authorize(answer.headers.get('www-authenticate') ?? '');
    answer = await send(this.#authorization);
    if (answer.status === 401) throw new InputError({ code: 'USAGE', message: `--store ${this.uri}: the registry refused the credentials${this.#credentialSource()}` });
    return this.#refused(answer);
  }

  #refused(answer: HTTPAnswer): HTTPAnswer {
    if (answer.status === 403) throw new InputError({ code: 'USAGE', message: `--store ${this.uri}: the registry denies this account access to the repository${this.#credentialSource()}` });
    return answer;
  }

  async #request(url: string, init: RequestInit): Promise<HTTPAnswer> {
    try {
      return await requestWithRetry({ url, name: this.uri, timeoutMs: this.#timeoutMs, retries: this.#retries }, init);
    } catch (cause) {
      if (cause instanceof EndpointError) throw this.#unavailable(`the registry did not answer: ${cause.message}`, cause);
      throw cause;
    }
  }

  // The Authorization header a challenge asks for: Basic with the credentials, or a Bearer token bought from the realm.
  async #authorize(challenge: string): Promise<string> {
    const scheme = /^\s*(\w+)/.exec(challenge)?.[1]?.toLowerCase();
    const credentials = this.#credentialsFor();
    if (scheme === 'basic') {
      if (credentials === null) throw new InputError({ code: 'USAGE', message: `--store ${this.uri}: the registry asks for credentials and none are given (GATEHOUSE_REGISTRY_USERNAME and GATEHOUSE_REGISTRY_PASSWORD, or docker login)` });
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    if (scheme !== 'bearer') throw this.#unavailable(`the registry asks for ${scheme === undefined ? 'an unnamed' : `the ${scheme}`} authentication scheme, which gatehouse does not speak`);
    const parameters = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1]!.toLowerCase(), match[2]!]));
    if (parameters['realm'] === undefined) throw this.#unavailable('the registry sent a Bearer challenge without a realm');
    const realm = new URL(parameters['realm']);
    if (parameters['service'] !== undefined) realm.searchParams.set('service', parameters['service']);
    realm.searchParams.set('scope', parameters['scope'] ?? `repository:${this.repository}:pull,push`);
    const answer = await this.#request(realm.href, {
      method: 'GET',
      headers: credentials === null ? {} : { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` },
    });
    if (answer.status === 401 || answer.status === 403) {
      throw new InputError({ code: 'USAGE', message: `--store ${this.uri}: the registry's token service refused ${credentials === null ? 'an anonymous token (give credentials: GATEHOUSE_REGISTRY_USERNAME and GATEHOUSE_REGISTRY_PASSWORD, or docker login)' : `the credentials${this.#credentialSource()}`}` });
    }
    if (answer.status !== 200) throw this.#unavailable(`the registry's token service answered HTTP ${answer.status}`);
    let token: unknown;
    try {
      const body = JSON.parse(answer.body.toString('utf8')) as { token?: unknown; access_token?: unknown };
      token = body.token ?? body.access_token;
    } catch (cause) {
      throw this.#unavailable(`the registry's token service answered no JSON`, cause);
    }
    if (typeof token !== 'string' || token === '') throw this.#unavailable(`the registry's token service answered no token`);
    return `Bearer ${token}`;
  }

  #credentialsFor(): RegistryCredentials | null {
    this.#credentials ??= registryCredentials(this.host, this.#env);
    return this.#credentials;
  }

  #credentialSource(): string {
    const credentials = this.#credentialsFor();
    return credentials === null ? ' (no credentials given)' : ` (user ${credentials.username})`;
  }

  #expect(answer: HTTPAnswer, statuses: number[], what: string): void {
    if (statuses.includes(answer.status)) return;
    throw this.#unavailable(`${what}: HTTP ${answer.status} ${answer.body.toString('utf8').slice(0, 200)}`);
  }

  #unavailable(message: string, cause?: unknown): StoreError {
    return new StoreError({ code: 'UNAVAILABLE', message, uri: this.uri, ...(cause === undefined ? {} : { cause }) });
  }
}

/**
 * The credentials for a registry host: GATEHOUSE_REGISTRY_USERNAME and
 * GATEHOUSE_REGISTRY_PASSWORD when both are set, else the host's entry in the
 * `auths` of Docker's config.json (`auth`, base64 of user:password, or
 * `username` and `password`), else none (anonymous). Credential helpers
 * (`credsStore`, `credHelpers`) are not run: a host only they know is
 * anonymous, and a registry that asks says so.
 */
export function registryCredentials(host: string, env: NodeJS.ProcessEnv = process.env): RegistryCredentials | null {
  const username = env['GATEHOUSE_REGISTRY_USERNAME'];
  const password = env['GATEHOUSE_REGISTRY_PASSWORD'];
  if (username !== undefined && username !== '' && password !== undefined) return { username, password };
  const path = join(env['DOCKER_CONFIG'] ?? join(env['HOME'] ?? homedir(), '.docker'), 'config.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  let auths: Record<string, { auth?: unknown; username?: unknown; password?: unknown }>;
  try {
    auths = ((JSON.parse(text) as { auths?: unknown }).auths ?? {}) as typeof auths;
  } catch (cause) {
    throw new InputError({ code: 'JSON_INVALID', message: `not JSON: ${describeThrown(cause)}`, path, cause });
  }
  // docker login writes the host, sometimes as a URL.
  const entry = Object.entries(auths).find(([key]) => key.replace(/^https?:\/\//, '').replace(/\/.*$/, '') === host)?.[1];
  if (entry === undefined) return null;
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) throw new InputError({ code: 'USAGE', message: `auths.${host}.auth is not base64 of user:password`, path });
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password };
  return null;
}

/** The manifests an OCI index lists, each a descriptor; what is not one is left out. */
export function indexManifests(bytes: Buffer, source: string): Descriptor[] {
  let index: { manifests?: unknown };
  try {
    index = JSON.parse(bytes.toString('utf8')) as { manifests?: unknown };
  } catch (cause) {
    throw new StoreError({ code: 'UNAVAILABLE', message: `${source}: not an OCI index (${describeThrown(cause)})`, uri: source, cause });
  }
  return (Array.isArray(index?.manifests) ? index.manifests : []).filter(isDescriptor);
}

/** Whether a value is a descriptor with a sha256 digest. */
export function isDescriptor(value: unknown): value is Descriptor {
  const descriptor = value as Partial<Descriptor> | null;
  return typeof descriptor?.mediaType === 'string' && typeof descriptor.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(descriptor.digest) && typeof descriptor.size === 'number';
}

// Registries on the machine itself are spoken to over plain HTTP, as docker does; any other over HTTPS.
function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127(?:\.\d{1,3}){3}$/.test(name);
}
