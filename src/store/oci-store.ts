import { InputError } from '../error.ts';
import { digestHex, parseDigest, type ArtifactDigest } from '../digest/artifact.ts';
import { sha256Hex } from '../digest/sha256.ts';
import { bundleClaims } from './serialize.ts';
import { decisionInventory } from './decision-claims.ts';
import { INVENTORY_GENESIS, chainLinks, checkLinks, filingProblems, headsOffChain, type InventoryCheck, type InventoryHead, type InventoryLink, type SubjectInventory } from './inventory.ts';
import { mapConcurrent } from '../concurrency/map.ts';
import { withLock } from './lock.ts';
import { OCI_INDEX, OCI_MANIFEST, RegistryClient, isDescriptor, type Descriptor, type RegistryClientOptions } from './oci-registry.ts';
import { StoreError } from './error.ts';
import { matchesListOptions, type AttestationStore, type ListOptions, type ListPage, type PutResult, type StoredBundle, type StoreEntry } from './store.ts';

/** The artifactType (and layer media type) of a Sigstore bundle attached as cosign attaches one. */
export const BUNDLE_ARTIFACT_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** The annotation naming the bundle's predicate type, as cosign writes it. */
export const PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
/** The artifactType of the small manifest that stands for a model digest in the registry. */
export const SUBJECT_ARTIFACT_TYPE = 'application/vnd.gatehouse.subject.v1';
/** The annotation on that manifest carrying the model digest it stands for. */
export const SUBJECT_ANNOTATION = 'dev.gatehouse.subject.digest';
/** The artifactType of a decision record attached to what it decided about. */
export const DECISION_ARTIFACT_TYPE = 'application/vnd.gatehouse.decision-record.v1+json';
/** The artifactType of the inventory manifest; its layers are segments of the inventory's lines. */
export const INVENTORY_ARTIFACT_TYPE = 'application/vnd.gatehouse.inventory.v1';
const INVENTORY_SEGMENT_TYPE = 'application/vnd.gatehouse.inventory.segment.v1+text';
/** The tag of the inventory manifest. */
export const INVENTORY_TAG = 'gatehouse-inventory';
/** Tags of subject manifests (`gatehouse-subject-<model hex>`) and decision records (`gatehouse-decision-<record hex>`). */
export const SUBJECT_TAG_PREFIX = 'gatehouse-subject-';
export const DECISION_TAG_PREFIX = 'gatehouse-decision-';
const EMPTY_TYPE = 'application/vnd.oci.empty.v1+json';
const EMPTY_BYTES = Buffer.from('{}');
const EMPTY: Descriptor = { mediaType: EMPTY_TYPE, digest: `sha256:${sha256Hex(EMPTY_BYTES)}`, size: 2 };
// Lines per inventory segment: an append re-uploads the last segment (at most this many lines), a read fetches every segment.
const SEGMENT_LINES = 256;
const INVENTORY_LINE = /^[0-9a-f]{64} [0-9a-f]{64}(?:,[0-9a-f]{64})*$/;
const DEFAULT_PAGE = 1000;
// Attachments read at once while listing (a manifest, then its blob, each).
const READ_CONCURRENCY = 8;
// Read back, and try again, this many times when another writer's tag replaced ours.
const WRITE_ATTEMPTS = 8;

/**
 * Attestation store in an OCI registry repository (`oci://host[:port]/repo`),
 * as cosign keeps attestations beside an image. Each bundle is attached to
 * what its statement is about following cosign's new-bundle-format
 * convention: a manifest with artifactType `application/vnd.dev.sigstore.bundle.v0.3+json`,
 * the empty config, one layer holding the bundle's exact bytes, the
 * `dev.sigstore.bundle.predicateType` annotation, and `subject` the
 * manifest of what it is about. A statement subject that is a manifest in the
 * repository (an image or model artifact pushed there) is that subject; any
 * other sha256 (gatehouse's model-directory digest) is stood for by a small
 * manifest gatehouse pushes, tagged `gatehouse-subject-<hex>`, whose
 * annotation carries the digest and whose content is fixed by it, so every
 * writer finds the same one. Listings use the OCI 1.1 referrers API, else the
 * `sha256-<hex>` tag index, which gatehouse maintains (read back after each
 * write and retried) while holding a per-subject lock. Decision records are
 * attached the same way with their own artifactType and tagged
 * `gatehouse-decision-<hex>`; the inventory is one tagged manifest whose
 * layers are segments of its lines, appended under a lock. Locks exclude
 * writers on one machine only: the registry offers no compare-and-swap, so
 * writers on two machines can replace each other's tag index or inventory:
 * an attachment is never lost, but one dropped from a tag index is listed no
 * more (and `store check` reports it deleted: fail closed), and one left out
 * of the inventory is reported as outside it.
 */
export class OCIAttestationStore implements AttestationStore {
  readonly uri: string;
  readonly registry: RegistryClient;
  // Whether the registry serves the referrers API; learnt on the first attach.
  #referrersAPI: boolean | undefined;

  constructor(location: string, options: RegistryClientOptions = {}) {
    const { host, repository } = parseOCIStoreURI(location);
    this.registry = new RegistryClient(host, repository, options);
    this.uri = this.registry.uri;
  }

  async put(bytes: Uint8Array): Promise<PutResult> {
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const claims = bundleClaims(data, 'bundle');
    if (claims.subjects.length === 0) throw new InputError({ code: 'BUNDLE_MALFORMED', message: 'the bundle names no sha256 subject to store it under' });
    const bundleDigest = sha256Hex(data);
    const layer = await this.#pushBlobs(data);
    let added = false;
    for (const subject of claims.subjects) {
      const target = await this.#target(subject, true);
      const manifest = attachmentManifest(BUNDLE_ARTIFACT_TYPE, layer, target, { 'dev.sigstore.bundle.content': 'dsse-envelope', [PREDICATE_TYPE_ANNOTATION]: claims.predicateType ?? '' });
      if (await this.#attach(target, manifest)) added = true;
    }
    // After the attachments, as the folder store appends after its files: a writer stopped between
    // the two leaves a bundle `store check` reports as outside the inventory, never an entry without its bundle.
    if (added) await this.#appendInventory(bundleDigest, claims.subjects);
    return { bundleDigest, locations: claims.subjects.map((subject) => this.#location(subject, bundleDigest)) };
  }

  async get(bundleDigest: string): Promise<StoredBundle | undefined> {
    if (!/^[0-9a-f]{64}$/.test(bundleDigest)) throw new InputError({ code: 'DIGEST_INVALID', message: `a bundle digest is 64 lowercase hex digits, got ${JSON.stringify(bundleDigest)}` });
    // A blob is addressed by its digest and checked against it: these are the bytes, wherever they are attached
    // (or were: a registry keeps a blob whose attachment was deleted until it collects garbage; replay's
    // inventory check, not this, is what finds such a deletion).
    const bytes = await this.registry.blob(`sha256:${bundleDigest}`);
    return bytes === undefined ? undefined : { location: `${this.uri}@sha256:${bundleDigest}`, bundleDigest, bytes };
  }

  async list(subject: ArtifactDigest, options: ListOptions = {}): Promise<ListPage> {
    const limit = options.limit ?? DEFAULT_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new InputError({ code: 'USAGE', message: `a page holds at least one entry, got ${limit}` });
    const hex = digestHex(parseDigest(subject, 'subject'));
    const after = options.cursor === undefined ? null : parseCursor(options.cursor);
    const all = (await this.#entries(hex, BUNDLE_ARTIFACT_TYPE)).filter((entry) => after === null || sortKey(entry) > after);
    const entries: StoreEntry[] = [];
    let index = 0;
    for (; index < all.length && entries.length < limit; index++) if (matchesListOptions(all[index]!, options)) entries.push(all[index]!);
    return index < all.length ? { entries, next: toCursor(sortKey(all[index - 1]!)) } : { entries };
  }

  async subjects(): Promise<ArtifactDigest[]> {
    const tagged = (await this.registry.tags(SUBJECT_TAG_PREFIX)).map((tag) => tag.slice(SUBJECT_TAG_PREFIX.length)).filter((hex) => /^[0-9a-f]{64}$/.test(hex));
    // Bundles attached to a manifest already in the repository have no subject tag; the inventory names them.
    const inventoried = (await this.#inventory()).entries.flatMap((entry) => entry.subjects);
    return [...new Set([...tagged, ...inventoried])].sort().map((hex) => `sha256:${hex}` as ArtifactDigest);
  }

  async recordDecision(bytes: Uint8Array): Promise<PutResult> {
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const [subject] = bundleClaims(data, 'decision record').subjects;
    if (subject === undefined) throw new InputError({ code: 'BUNDLE_MALFORMED', message: 'the decision record names no sha256 subject' });
    const digest = sha256Hex(data);
    const tag = `${DECISION_TAG_PREFIX}${digest}`;
    const location = `${this.uri}#decisions/${digest}.sigstore.json`;
    if ((await this.registry.manifest(tag)) !== undefined) return { bundleDigest: digest, locations: [location] };
    const layer = await this.#pushBlobs(data);
    const target = await this.#target(subject, true);
    const manifest = attachmentManifest(DECISION_ARTIFACT_TYPE, layer, target, {});
    await this.#attach(target, manifest);
    // The tag is how `store check` finds every record; it is pushed last, once the record is attached.
    await this.registry.pushManifest(tag, manifest, OCI_MANIFEST);
    return { bundleDigest: digest, locations: [location] };
  }

  async inventoryHead(): Promise<InventoryHead> {
    const { links } = await this.#inventory();
    const last = links.at(-1);
    return last === undefined ? { sequence: 0, head: INVENTORY_GENESIS } : { sequence: last.sequence, head: last.head };
  }

  async inventoryOf(subject: ArtifactDigest, at?: InventoryHead): Promise<SubjectInventory> {
    const hex = digestHex(parseDigest(subject, 'subject'));
    const { entries, links, problems } = await this.#inventory();
    const last = links.at(-1);
    const head = at ?? (last === undefined ? { sequence: 0, head: INVENTORY_GENESIS } : { sequence: last.sequence, head: last.head });
    const bundles = [...new Set(entries.slice(0, head.sequence).filter((entry) => entry.subjects.includes(hex)).map((entry) => entry.bundleDigest))].sort();
    const onChain = problems.length === 0 && (head.sequence === 0 ? head.head === INVENTORY_GENESIS : links[head.sequence - 1]?.head === head.head);
    return { head, bundles, onChain };
  }

  async checkInventory(expected: readonly InventoryHead[] = []): Promise<InventoryCheck> {
    const { entries, links, problems } = await this.#inventory();
    const head = checkLinks(links, { sequence: 0, head: INVENTORY_GENESIS }, problems);
    const heads = new Map(links.map((link) => [link.sequence, link.head]));
    const inventoried = new Map<string, { sequence: number; subjects: string[] }>();
    for (const [index, entry] of entries.entries()) if (!inventoried.has(entry.bundleDigest)) inventoried.set(entry.bundleDigest, { sequence: index + 1, subjects: entry.subjects });
    // Every bundle attached under every subject: where it is filed, and whether its bytes are still its own.
    const filed = new Map<string, string[]>();
    for (const subject of await this.subjects()) {
      const hex = digestHex(subject);
      for (const entry of await this.#entries(hex, BUNDLE_ARTIFACT_TYPE)) {
        if ('error' in entry) {
          problems.push(`${entry.location}: ${entry.error.message}: it was deleted or rewritten`);
          continue;
        }
        filed.set(entry.bundleDigest, [...(filed.get(entry.bundleDigest) ?? []), hex]);
      }
    }
    problems.push(...filingProblems(inventoried, filed));
    const unlisted = [...filed.keys()].filter((digest) => !inventoried.has(digest)).map((digest) => `sha256:${digest}`);
    const seen = [...expected];
    for (const tag of await this.registry.tags(DECISION_TAG_PREFIX)) {
      const digest = tag.slice(DECISION_TAG_PREFIX.length);
      const record = await this.#attached(`${this.uri}:${tag}`, tag, DECISION_ARTIFACT_TYPE);
      if (record === undefined || 'error' in record || record.bundleDigest !== digest) {
        problems.push(`${this.uri}:${tag}: the decision record is not the one its tag names: it was rewritten`);
        continue;
      }
      const recorded = decisionInventory(record.bytes);
      if (recorded !== null) seen.push(recorded);
    }
    problems.push(...headsOffChain(seen, heads));
    return { head, problems: [...new Set(problems)], unlisted };
  }

  async close(): Promise<void> {
    // Nothing held open between requests.
  }

  // The config and the content blob, each uploaded once.
  async #pushBlobs(data: Buffer): Promise<Descriptor> {
    await this.registry.pushBlob(EMPTY_BYTES, EMPTY_TYPE);
    return this.registry.pushBlob(data, BUNDLE_ARTIFACT_TYPE);
  }

  // The manifest a statement subject is attached to: that manifest itself when the repository has
  // one with this digest (an image or model artifact), else gatehouse's subject manifest for it,
  // pushed when `create` and missing. Without `create`, the subject manifest's descriptor as it would be.
  async #target(hex: string, create: boolean): Promise<Descriptor> {
    const existing = await this.registry.manifestDescriptor(`sha256:${hex}`);
    if (existing !== undefined) return existing;
    const manifest = subjectManifest(hex);
    const descriptor: Descriptor = { mediaType: OCI_MANIFEST, digest: `sha256:${sha256Hex(manifest)}`, size: manifest.length };
    if (create && (await this.registry.manifestDescriptor(descriptor.digest)) === undefined) {
      await this.registry.pushBlob(EMPTY_BYTES, EMPTY_TYPE);
      await this.registry.pushManifest(`${SUBJECT_TAG_PREFIX}${hex}`, manifest, OCI_MANIFEST);
    }
    return descriptor;
  }

  // Pushes an attachment and makes it listed among the target's referrers: by the registry (the
  // referrers API), or in the `sha256-<hex>` tag index gatehouse keeps. Returns whether it was new.
  async #attach(target: Descriptor, manifest: Buffer): Promise<boolean> {
    const digest = `sha256:${sha256Hex(manifest)}`;
    const existed = (await this.registry.manifestDescriptor(digest)) !== undefined;
    const { descriptor, subjectAccepted } = await this.registry.pushManifest(digest, manifest, OCI_MANIFEST);
    const parsed = JSON.parse(manifest.toString('utf8')) as { artifactType: string; annotations?: Record<string, string> };
    const listed: Descriptor = { ...descriptor, artifactType: parsed.artifactType, ...(parsed.annotations === undefined ? {} : { annotations: parsed.annotations }) };
    if (subjectAccepted) this.#referrersAPI = true;
    this.#referrersAPI ??= (await this.registry.referrers(target.digest)) !== null;
    if (!this.#referrersAPI) await this.#addToTagIndex(target, listed);
    return !existed;
  }

  // The tag fallback: read the index, add the descriptor, write it, and read it back, taking
  // turns with every other writer on this machine; a read-back that lacks it (a writer elsewhere
  // replaced the index meanwhile) is tried again.
  async #addToTagIndex(target: Descriptor, descriptor: Descriptor): Promise<void> {
    const tag = target.digest.replace(':', '-');
    await withLock(`${this.uri}#${tag}`, this.uri, async () => {
      for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        const current = await this.#tagIndex(tag);
        if (current.some((one) => one.digest === descriptor.digest)) return;
        const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...current, descriptor] }));
        await this.registry.pushManifest(tag, index, OCI_INDEX);
        if ((await this.#tagIndex(tag)).some((one) => one.digest === descriptor.digest)) return;
      }
      throw new StoreError({ code: 'UNAVAILABLE', message: `the referrers tag ${tag} kept losing the attachment ${descriptor.digest} to other writers (${WRITE_ATTEMPTS} attempts)`, uri: this.uri });
    });
  }

  async #tagIndex(tag: string): Promise<Descriptor[]> {
    const manifest = await this.registry.manifest(tag);
    if (manifest === undefined) return [];
    let index: { manifests?: unknown };
    try {
      index = JSON.parse(manifest.bytes.toString('utf8')) as { manifests?: unknown };
    } catch {
      return [];
    }
    return (Array.isArray(index.manifests) ? index.manifests : []).filter(isDescriptor);
  }

  // Every attachment of `artifactType` about the subject `hex`, read and checked, once per content digest, in digest order.
  async #entries(hex: string, artifactType: string): Promise<StoreEntry[]> {
    const targets = new Set([`sha256:${hex}`, (await this.#target(hex, false)).digest]);
    const descriptors = new Map<string, Descriptor>();
    for (const target of targets) for (const descriptor of await this.#referrersOf(target)) descriptors.set(descriptor.digest, descriptor);
    // A registry's index may type an attachment by its config (the empty type): read the manifest to know.
    const candidates = [...descriptors.values()].filter((descriptor) => descriptor.artifactType === undefined || descriptor.artifactType === artifactType || descriptor.artifactType === EMPTY_TYPE);
    const read = await mapConcurrent(candidates, READ_CONCURRENCY, (descriptor) => this.#attached(this.#location(hex, descriptor.digest.slice('sha256:'.length)), descriptor.digest, artifactType));
    const byDigest = new Map<string, StoreEntry>();
    for (const entry of read) {
      if (entry === undefined) continue;
      const key = 'error' in entry ? entry.location : entry.bundleDigest;
      if (!byDigest.has(key)) byDigest.set(key, 'error' in entry ? entry : { ...entry, location: this.#location(hex, entry.bundleDigest) });
    }
    return [...byDigest.values()].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
  }

  async #referrersOf(digest: string): Promise<Descriptor[]> {
    const listed = await this.registry.referrers(digest);
    return listed ?? this.#tagIndex(digest.replace(':', '-'));
  }

  // The content an attachment manifest carries, when it is of `artifactType`; an attachment listed
  // whose manifest or content is gone, or is not what it says, is reported, never skipped.
  async #attached(location: string, reference: string, artifactType: string): Promise<StoreEntry | undefined> {
    const manifest = await this.registry.manifest(reference);
    const unreadable = (message: string): StoreEntry => ({ location, error: new InputError({ code: 'BUNDLE_MALFORMED', message, path: location }) });
    if (manifest === undefined) return unreadable(`the registry lists ${reference} but does not serve it`);
    let parsed: { artifactType?: unknown; config?: { mediaType?: unknown }; layers?: unknown };
    try {
      parsed = JSON.parse(manifest.bytes.toString('utf8')) as typeof parsed;
    } catch {
      return unreadable('the attachment manifest is not JSON');
    }
    const type = typeof parsed.artifactType === 'string' ? parsed.artifactType : parsed.config?.mediaType;
    if (type !== artifactType) return undefined;
    const layers = Array.isArray(parsed.layers) ? parsed.layers : [];
    const layer = layers[0] as unknown;
    if (layers.length !== 1 || !isDescriptor(layer) || !layer.mediaType.startsWith('application/vnd.dev.sigstore.bundle')) return unreadable('the attachment manifest does not hold exactly one Sigstore bundle layer');
    const bytes = await this.registry.blob(layer.digest);
    if (bytes === undefined) return unreadable(`the bundle blob ${layer.digest} is gone or no longer has its digest's bytes`);
    return { location, bundleDigest: layer.digest.slice('sha256:'.length), bytes };
  }

  // The inventory as the tag holds it now: its entries in order, their links (each head hashed
  // afresh), and every line that is no entry.
  async #inventory(): Promise<{ entries: InventoryEntry[]; links: InventoryLink[]; problems: string[] }> {
    const problems: string[] = [];
    const entries: InventoryEntry[] = [];
    const { layers } = await this.#inventoryManifest();
    for (const [index, layer] of layers.entries()) {
      const bytes = await this.registry.blob(layer.digest);
      if (bytes === undefined) {
        problems.push(`${this.uri}:${INVENTORY_TAG} segment ${index + 1} (${layer.digest}) is gone: the inventory was rewritten`);
        continue;
      }
      const lines = bytes.toString('utf8').split('\n');
      if (lines.at(-1) === '') lines.pop();
      else problems.push(`${this.uri}:${INVENTORY_TAG} segment ${index + 1} ends in an unfinished line: it was rewritten`);
      for (const line of lines) {
        if (!INVENTORY_LINE.test(line)) {
          problems.push(`${this.uri}:${INVENTORY_TAG} segment ${index + 1} holds a line that is no inventory entry: it was rewritten`);
          continue;
        }
        entries.push({ bundleDigest: line.slice(0, 64), subjects: line.slice(65).split(',') });
      }
    }
    const links = chainLinks(entries);
    return { entries, links, problems };
  }

  async #inventoryManifest(): Promise<{ layers: Descriptor[]; digest: string | null }> {
    const manifest = await this.registry.manifest(INVENTORY_TAG);
    if (manifest === undefined) return { layers: [], digest: null };
    let parsed: { artifactType?: unknown; layers?: unknown };
    try {
      parsed = JSON.parse(manifest.bytes.toString('utf8')) as typeof parsed;
    } catch (cause) {
      throw new StoreError({ code: 'UNAVAILABLE', message: `${INVENTORY_TAG} is not a manifest`, uri: this.uri, cause });
    }
    if (parsed.artifactType !== INVENTORY_ARTIFACT_TYPE) throw new StoreError({ code: 'UNAVAILABLE', message: `${INVENTORY_TAG} is not a gatehouse inventory (artifactType ${JSON.stringify(parsed.artifactType)})`, uri: this.uri });
    const layers = (Array.isArray(parsed.layers) ? parsed.layers : []).filter(isDescriptor).filter((layer) => layer.mediaType === INVENTORY_SEGMENT_TYPE);
    return { layers, digest: manifest.digest };
  }

  // Appends one line to the inventory: the last segment rewritten with the line (or a new one
  // begun), the manifest pushed under the tag, and read back; all under the repository's lock.
  async #appendInventory(bundleDigest: string, subjects: string[]): Promise<void> {
    const line = `${bundleDigest} ${subjects.join(',')}\n`;
    await withLock(`${this.uri}#${INVENTORY_TAG}`, this.uri, async () => {
      for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        const { layers } = await this.#inventoryManifest();
        const last = layers.at(-1);
        let kept = layers;
        let segment = Buffer.from(line);
        if (last !== undefined) {
          const bytes = await this.registry.blob(last.digest);
          if (bytes === undefined) throw new StoreError({ code: 'UNAVAILABLE', message: `the inventory's last segment ${last.digest} is gone: nothing more can be chained to it`, uri: this.uri });
          const count = bytes.toString('utf8').split('\n').length - 1;
          if (count < SEGMENT_LINES) {
            kept = layers.slice(0, -1);
            segment = Buffer.concat([bytes, segment]);
          }
        }
        const layer = await this.registry.pushBlob(segment, INVENTORY_SEGMENT_TYPE);
        await this.registry.pushBlob(EMPTY_BYTES, EMPTY_TYPE);
        const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: INVENTORY_ARTIFACT_TYPE, config: EMPTY, layers: [...kept, layer] }));
        const { descriptor } = await this.registry.pushManifest(INVENTORY_TAG, manifest, OCI_MANIFEST);
        if ((await this.#inventoryManifest()).digest === descriptor.digest) return;
      }
      throw new StoreError({ code: 'UNAVAILABLE', message: `the inventory tag kept being replaced by other writers (${WRITE_ATTEMPTS} attempts)`, uri: this.uri });
    });
  }

  #location(subject: string, digest: string): string {
    return `${this.uri}#sha256-${subject}/${digest}.sigstore.json`;
  }
}

/** Splits `oci://host[:port]/repo[/more]` into the registry host and the repository; anything else is bad input. */
export function parseOCIStoreURI(location: string): { host: string; repository: string } {
  if (/^oci:\/\/[^/]*@/i.test(location)) {
    throw new InputError({ code: 'USAGE', message: '--store: credentials do not go in an OCI store URI (use GATEHOUSE_REGISTRY_USERNAME and GATEHOUSE_REGISTRY_PASSWORD, or docker login)' });
  }
  const match = /^oci:\/\/([a-z0-9.-]+(?::\d+)?|\[[0-9a-f:]+\](?::\d+)?)\/([^@?#:]+)$/i.exec(location);
  const repository = match?.[2];
  if (match === null || repository === undefined || !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(repository)) {
    throw new InputError({ code: 'USAGE', message: `--store: an OCI store is oci://REGISTRY/REPOSITORY (a lowercase repository name, no tag or digest), got ${JSON.stringify(location)}` });
  }
  return { host: match[1]!, repository };
}

/**
 * The manifest that stands for a model digest in a registry: the empty config
 * and one empty layer (OCI 1.1's artifact without content), artifactType
 * `application/vnd.gatehouse.subject.v1`, and the digest in an annotation. Its
 * bytes depend on the digest alone, so every writer pushes the same manifest
 * and a reader computes its digest without asking.
 */
export function subjectManifest(hex: string): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: SUBJECT_ARTIFACT_TYPE, config: EMPTY, layers: [EMPTY], annotations: { [SUBJECT_ANNOTATION]: `sha256:${hex}` } }));
}

// An attachment as cosign writes one, without its creation time: the same content on the same subject is the same manifest.
function attachmentManifest(artifactType: string, layer: Descriptor, subject: Descriptor, annotations: Record<string, string>): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: EMPTY,
      layers: [{ mediaType: BUNDLE_ARTIFACT_TYPE, digest: layer.digest, size: layer.size }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
    }),
  );
}

interface InventoryEntry {
  bundleDigest: string;
  subjects: string[];
}

function sortKey(entry: StoreEntry): string {
  return 'error' in entry ? `~${entry.location}` : entry.bundleDigest;
}

function toCursor(key: string): string {
  return Buffer.from(JSON.stringify(['oci', key]), 'utf8').toString('base64url');
}

function parseCursor(cursor: string): string {
  try {
    const [kind, key] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (kind === 'oci' && typeof key === 'string') return key;
  } catch {
    // Reported below.
  }
  throw new InputError({ code: 'USAGE', message: `not a cursor this store gave: ${JSON.stringify(cursor)}` });
}
