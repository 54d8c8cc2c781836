import { constants } from 'node:fs';
import { appendFile, open, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError, describeThrown } from '../error.ts';
import { StoreError } from './error.ts';
import { digestHex, parseDigest, type ArtifactDigest } from '../digest/artifact.ts';
import { TEMP_SUFFIX, writeFileAtomic } from '../io/atomic.ts';
import { NOT_A_REGULAR_FILE, readBoundedFile } from '../io/read.ts';
import { bundleClaims } from './serialize.ts';
import { matchesListOptions, type AttestationStore, type ListOptions, type ListPage, type PutResult, type StoredBundle, type StoreEntry } from './store.ts';
import { sha256Hex, sha256HexOfRead } from '../digest/sha256.ts';
import { compareCodePoints } from '../canonical/compare.ts';
import { INVENTORY_GENESIS, chainLinks, checkLinks, filingProblems, headsOffChain, inventoryHead, type InventoryCheck, type InventoryHead, type SubjectInventory } from './inventory.ts';
import { decisionInventory } from './decision-claims.ts';

/** Default store location, relative to the working directory. */
export const DEFAULT_STORE_DIRECTORY = 'attestations';

const BUNDLE_SUFFIX = '.sigstore.json';
/** The inventory: one line per bundle put (`<bundle sha256> <subject sha256>,…`), only ever appended to. */
export const INVENTORY_FILE = 'inventory.log';
/**
 * The head of every inventory entry, 32 bytes each in entry order: a cache a
 * decision reads instead of hashing the whole chain again. `store check`
 * hashes the chain afresh and reports a cache that disagrees or outnumbers the
 * entries (an entry deleted).
 */
export const INVENTORY_HEADS_FILE = 'inventory.heads';
const INVENTORY_LINE = /^[0-9a-f]{64} [0-9a-f]{64}(?:,[0-9a-f]{64})*$/;
/** Where decision records are kept: `<root>/decisions/<record sha256>.sigstore.json`. */
export const DECISIONS_DIRECTORY = 'decisions';
const DEFAULT_PAGE = 1000;

// Where an entry sits: in the subject's folder, or loose in the root.
interface Slot {
  kind: 'subject' | 'loose';
  directory: string;
  name: string;
}

/**
 * Attestation store on a filesystem: <root>/sha256-<subject hex>/<bundle sha256>.sigstore.json,
 * one copy per subject the bundle names. Naming each file by the digest of its
 * bytes makes writes idempotent and lets readers detect a file whose content
 * no longer matches its name. Bundle files (`*.json`) dropped loose in the root,
 * as another tool writes them, are listed for every subject: the decision
 * checks what each is about.
 */
export class FileSystemAttestationStore implements AttestationStore {
  readonly root: string;
  readonly uri: string;

  constructor(root: string = DEFAULT_STORE_DIRECTORY) {
    this.root = root;
    this.uri = pathToFileURL(resolve(root)).href;
  }

  async put(bytes: Uint8Array): Promise<PutResult> {
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const { subjects } = bundleClaims(data, 'bundle');
    if (subjects.length === 0) throw new InputError({ code: 'BUNDLE_MALFORMED', message: 'the bundle names no sha256 subject to store it under' });
    const bundleDigest = sha256Hex(data);
    const locations: string[] = [];
    let added = false;
    for (const subject of subjects) {
      const location = join(this.#directory(`sha256:${subject}`), `${bundleDigest}${BUNDLE_SUFFIX}`);
      // The name is the content's digest: a file already there holds these bytes (or is reported as corrupt when read).
      if ((await stat(location).catch(() => undefined))?.isFile() !== true) {
        await writeFileAtomic(location, data);
        added = true;
      }
      locations.push(location);
    }
    // After the files: a writer stopped between the two leaves a bundle the check reports as outside
    // the inventory, never an entry without its bundle. One short O_APPEND write per bundle: concurrent
    // writers' lines do not interleave; a bundle two writers raced to add is listed twice, which is harmless.
    if (added) await appendFile(join(this.root, INVENTORY_FILE), `${bundleDigest} ${subjects.join(',')}\n`).catch((cause: unknown) => {
      throw this.#failure(cause, join(this.root, INVENTORY_FILE), 'cannot append to the inventory');
    });
    return { bundleDigest, locations };
  }

  async get(bundleDigest: string): Promise<StoredBundle | undefined> {
    if (!/^[0-9a-f]{64}$/.test(bundleDigest)) throw new InputError({ code: 'DIGEST_INVALID', message: `a bundle digest is 64 lowercase hex digits, got ${JSON.stringify(bundleDigest)}` });
    const roots = await this.#rootEntries();
    const name = `${bundleDigest}${BUNDLE_SUFFIX}`;
    for (const folder of roots.filter((entry) => entry.startsWith('sha256-'))) {
      const directory = join(this.root, folder);
      if ((await stat(join(directory, name)).catch(() => undefined))?.isFile() !== true) continue;
      const entry = await this.#read({ kind: 'subject', directory, name });
      if ('bytes' in entry) return entry;
    }
    // A loose file is named by its writer, not by its digest: hash each.
    for (const slot of await this.#looseSlots(roots)) {
      const entry = await this.#read(slot);
      if ('bytes' in entry && entry.bundleDigest === bundleDigest) return entry;
    }
    return undefined;
  }

  async list(subject: ArtifactDigest, options: ListOptions = {}): Promise<ListPage> {
    const limit = options.limit ?? DEFAULT_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1) throw new InputError({ code: 'USAGE', message: `a page holds at least one entry, got ${limit}` });
    const roots = await this.#rootEntries();
    const directory = this.#directory(subject);
    const slots: Slot[] = [...(await this.#subjectSlots(directory)), ...(await this.#looseSlots(roots))];
    let start = 0;
    if (options.cursor !== undefined) {
      const after = parseCursor(options.cursor);
      start = slots.findIndex((slot) => compareSlots(slot, after) > 0);
      if (start === -1) start = slots.length;
    }
    const entries: StoreEntry[] = [];
    let index = start;
    for (; index < slots.length && entries.length < limit; index++) {
      const entry = await this.#read(slots[index]!);
      if (matchesListOptions(entry, options)) entries.push(entry);
    }
    return index < slots.length ? { entries, next: toCursor(slots[index - 1]!) } : { entries };
  }

  async subjects(): Promise<ArtifactDigest[]> {
    return (await this.#rootEntries())
      .filter((name) => /^sha256-[0-9a-f]{64}$/.test(name))
      .map((name) => `sha256:${name.slice('sha256-'.length)}` as ArtifactDigest);
  }

  async recordDecision(bytes: Uint8Array): Promise<PutResult> {
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bundleClaims(data, 'decision record').subjects.length === 0) throw new InputError({ code: 'BUNDLE_MALFORMED', message: 'the decision record names no sha256 subject' });
    const digest = sha256Hex(data);
    const location = join(this.root, DECISIONS_DIRECTORY, `${digest}${BUNDLE_SUFFIX}`);
    if ((await stat(location).catch(() => undefined))?.isFile() !== true) await writeFileAtomic(location, data);
    return { bundleDigest: digest, locations: [location] };
  }

  async inventoryHead(): Promise<InventoryHead> {
    const lines = await this.#inventoryLines();
    const { heads } = await this.#heads(lines);
    return { sequence: lines.count, head: headAt(heads, lines.count) };
  }

  async inventoryOf(subject: ArtifactDigest, at?: InventoryHead): Promise<SubjectInventory> {
    const hex = digestHex(parseDigest(subject, 'subject'));
    const lines = await this.#inventoryLines();
    const { heads, shrunk } = await this.#heads(lines);
    const head = at ?? { sequence: lines.count, head: headAt(heads, lines.count) };
    const bundles = lines.naming(hex, Math.min(head.sequence, lines.count));
    // A line read that is no entry, or fewer entries than heads were cached for: rewritten, and no head on it is trusted.
    const onChain = lines.problems.length === 0 && !shrunk && head.sequence <= lines.count && headAt(heads, head.sequence) === head.head;
    return { head, bundles, onChain };
  }

  async checkInventory(expected: readonly InventoryHead[] = []): Promise<InventoryCheck> {
    const problems: string[] = [];
    const entries = await this.#inventoryEntries(problems);
    // The whole chain hashed again, and compared with the heads decisions read from the cache.
    const links = chainLinks(entries);
    const head = checkLinks(links, { sequence: 0, head: INVENTORY_GENESIS }, problems);
    const cached = await this.#cachedHeads();
    if (cached.length > links.length * 32) problems.push(`${INVENTORY_HEADS_FILE} holds ${Math.floor(cached.length / 32)} heads but ${INVENTORY_FILE} only ${links.length} entries: entries were deleted`);
    const differs = links.findIndex((link, index) => index * 32 < cached.length && cached.subarray(index * 32, index * 32 + 32).toString('hex') !== link.head);
    if (differs !== -1) problems.push(`${INVENTORY_FILE} entry ${differs + 1} does not hash to the head decisions saw for it: an entry was deleted or rewritten`);
    const heads = new Map(links.map((link) => [link.sequence, link.head]));
    const inventoried = new Map<string, { sequence: number; subjects: string[] }>();
    for (const [index, entry] of entries.entries()) if (!inventoried.has(entry.bundleDigest)) inventoried.set(entry.bundleDigest, { sequence: index + 1, subjects: entry.subjects.split(',') });
    // Every bundle file in a subject folder, by digest: where it is filed and whether its bytes still match.
    const filed = new Map<string, string[]>();
    for (const subject of await this.subjects()) {
      for (const slot of await this.#subjectSlots(this.#directory(subject))) {
        const entry = await this.#read(slot);
        if ('error' in entry) {
          problems.push(`${entry.location}: ${entry.error.message}: it was rewritten`);
          continue;
        }
        filed.set(entry.bundleDigest, [...(filed.get(entry.bundleDigest) ?? []), digestHex(subject)]);
      }
    }
    problems.push(...filingProblems(inventoried, filed));
    const unlisted = [...filed.keys()].filter((digest) => !inventoried.has(digest)).map((digest) => `sha256:${digest}`);
    const seen = [...expected];
    for (const name of await this.#names(join(this.root, DECISIONS_DIRECTORY)).catch(() => [])) {
      if (isTemporary(name)) continue;
      const location = join(this.root, DECISIONS_DIRECTORY, name);
      const bytes = await readBoundedFile(location);
      if (`${sha256Hex(bytes)}${BUNDLE_SUFFIX}` !== name) {
        problems.push(`${location}: decision record does not hash to its name: it was rewritten`);
        continue;
      }
      const recorded = decisionInventory(bytes);
      if (recorded !== null) seen.push(recorded);
    }
    problems.push(...headsOffChain(seen, heads));
    return { head, problems: [...new Set(problems)], unlisted };
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  // The inventory's lines as entries (bundle digest, subjects as written); a line that is not one is a problem, and left out.
  async #inventoryEntries(problems: string[]): Promise<InventoryEntry[]> {
    const path = join(this.root, INVENTORY_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') {
        await this.#rootEntries();
        return [];
      }
      throw this.#failure(cause, path, 'cannot read the inventory');
    }
    const entries: InventoryEntry[] = [];
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    for (const [index, line] of lines.entries()) {
      if (!INVENTORY_LINE.test(line)) {
        problems.push(`${path}: line ${index + 1} is not an inventory entry: it was rewritten`);
        continue;
      }
      entries.push({ bundleDigest: line.slice(0, 64), subjects: line.slice(65) });
    }
    return entries;
  }

  // The head of every entry, 32 bytes each: from the cache as far as it reaches, the rest hashed
  // and added to it (best effort: a read-only store is hashed each time). `shrunk` when the cache
  // holds more heads than there are entries.
  async #heads(lines: InventoryLines): Promise<{ heads: Buffer; shrunk: boolean }> {
    const cached = await this.#cachedHeads();
    const count = lines.count;
    const shrunk = cached.length > count * 32;
    const known = shrunk ? 0 : Math.floor(cached.length / 32);
    const heads = Buffer.alloc(count * 32);
    cached.copy(heads, 0, 0, known * 32);
    let previous = headAt(heads, known);
    for (let index = known; index < count; index++) {
      previous = inventoryHead(index + 1, lines.entry(index)?.bundleDigest ?? '', previous);
      heads.write(previous, index * 32, 'hex');
    }
    if (!shrunk && lines.problems.length === 0 && count > known) {
      // Positional: two deciders adding the same heads write the same bytes at the same place.
      await open(join(this.root, INVENTORY_HEADS_FILE), constants.O_WRONLY | constants.O_CREAT)
        .then(async (handle) => {
          try {
            await handle.write(heads, known * 32, (count - known) * 32, known * 32);
          } finally {
            await handle.close();
          }
        })
        .catch(() => undefined);
    }
    return { heads, shrunk };
  }

  // The inventory read whole, its lines parsed only where asked.
  async #inventoryLines(): Promise<InventoryLines> {
    const path = join(this.root, INVENTORY_FILE);
    try {
      return new InventoryLines(await readFile(path, 'utf8'), path);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw this.#failure(cause, path, 'cannot read the inventory');
      await this.#rootEntries();
      return new InventoryLines('', path);
    }
  }

  async #cachedHeads(): Promise<Buffer> {
    return readFile(join(this.root, INVENTORY_HEADS_FILE)).catch(() => Buffer.alloc(0));
  }

  async #rootEntries(): Promise<string[]> {
    const info = await stat(this.root).catch((cause: unknown) => {
      throw this.#failure(cause, this.root, (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such attestation store' : 'cannot read attestation store');
    });
    if (!info.isDirectory()) throw new InputError({ code: 'FILE_UNREADABLE', message: 'an attestation store is a directory; this is not one', path: this.root });
    return this.#names(this.root);
  }

  async #subjectSlots(directory: string): Promise<Slot[]> {
    let names: string[];
    try {
      names = await this.#names(directory);
    } catch (error) {
      if (error instanceof InputError && error.code === 'FILE_NOT_FOUND') return [];
      throw error;
    }
    // Leftovers of an interrupted atomic write are not bundles.
    return names.filter((name) => !isTemporary(name)).map((name) => ({ kind: 'subject', directory, name }));
  }

  async #looseSlots(roots: string[]): Promise<Slot[]> {
    const slots: Slot[] = [];
    for (const name of roots) {
      if (!name.endsWith('.json') || isTemporary(name)) continue;
      // A link is read like a file (and reported if it leads nowhere readable); directories are not bundles.
      const info = await stat(join(this.root, name)).catch(() => undefined);
      if (info !== undefined && info.isDirectory()) continue;
      slots.push({ kind: 'loose', directory: this.root, name });
    }
    return slots;
  }

  async #names(directory: string): Promise<string[]> {
    try {
      return (await readdir(directory)).sort(compareNames);
    } catch (cause) {
      throw this.#failure(cause, directory, 'cannot list attestation store');
    }
  }

  // A path that is missing, not a folder or not permitted is the caller's to fix (bad input); any
  // other failure (an I/O error, a stale network mount, no file handles left) is the backend being
  // unavailable, which says nothing about the evidence.
  #failure(cause: unknown, path: string, message: string): InputError | StoreError {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return new InputError({ code: 'FILE_NOT_FOUND', message, path, cause });
    if (code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM') return new InputError({ code: 'FILE_UNREADABLE', message, path, cause });
    return new StoreError({ code: 'UNAVAILABLE', message: `${message}: ${path}: ${describeThrown(cause)}`, uri: this.uri, cause });
  }

  async #read(slot: Slot): Promise<StoreEntry> {
    const location = join(slot.directory, slot.name);
    if (slot.kind === 'subject' && !slot.name.endsWith(BUNDLE_SUFFIX)) {
      return { location, error: new InputError({ code: 'BUNDLE_MALFORMED', message: `unexpected file in attestation store (bundles end in ${BUNDLE_SUFFIX})`, path: location }) };
    }
    try {
      const bytes = await readBoundedFile(location);
      const bundleDigest = sha256HexOfRead(bytes);
      if (slot.kind === 'subject' && `${bundleDigest}${BUNDLE_SUFFIX}` !== slot.name) {
        return { location, error: new InputError({ code: 'BUNDLE_MALFORMED', message: `content digest ${bundleDigest} does not match the file name`, path: location }) };
      }
      return { location, bundleDigest, bytes };
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      // What stands there is no bundle (a dangling link, a FIFO or folder, a file over the
      // limit): evidence of nothing, reported. A failure to read what is there (an I/O
      // error, no file handles, a file replaced while read) says nothing about it: were it
      // skipped, an older passing attestation could stand in for the newest failing one.
      if (unreadableContent(error)) return { location, error };
      throw new StoreError({ code: 'UNAVAILABLE', message: `cannot read ${location}: ${error.message}`, uri: this.uri, cause: error });
    }
  }

  #directory(subject: ArtifactDigest): string {
    // A subject is a digest, never a path: nothing outside the store is listed.
    return join(this.root, `sha256-${digestHex(parseDigest(subject, 'subject'))}`);
  }
}

// One inventory line: the bundle's digest and the subjects it was filed under, as written (comma-separated).
interface InventoryEntry {
  bundleDigest: string;
  subjects: string;
}

/**
 * The inventory's lines, read at once and parsed only where asked: a decision
 * reads the lines that name its subject and those not yet in the heads cache;
 * `store check` reads every line. A line asked for that is no entry, or an
 * unfinished last line, is a problem.
 */
class InventoryLines {
  readonly count: number;
  readonly problems: string[] = [];
  readonly #text: string;
  readonly #path: string;
  // Where each line starts; one more for the end of the last.
  readonly #starts: number[] = [0];

  constructor(text: string, path: string) {
    this.#text = text;
    this.#path = path;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', end + 1)) this.#starts.push(end + 1);
    this.count = this.#starts.length - 1;
    if (this.#starts[this.count] !== text.length) this.problems.push(`${path}: line ${this.count + 1} is unfinished: it was rewritten`);
  }

  /** Line `index` (from 0) as an entry, or undefined (and a problem) when it is not one. */
  entry(index: number): InventoryEntry | undefined {
    const line = this.#text.slice(this.#starts[index], this.#starts[index + 1]! - 1);
    if (!INVENTORY_LINE.test(line)) {
      this.problems.push(`${this.#path}: line ${index + 1} is not an inventory entry: it was rewritten`);
      return undefined;
    }
    return { bundleDigest: line.slice(0, 64), subjects: line.slice(65) };
  }

  /** The bundle digests, sorted and once each, of the first `count` lines that name `hex` as a subject. */
  naming(hex: string, count: number): string[] {
    const found = new Set<string>();
    const end = this.#starts[count]!;
    for (let at = this.#text.indexOf(hex); at !== -1 && at < end; at = this.#text.indexOf(hex, at + 1)) {
      // The line holding this occurrence: the last start at or before it.
      let low = 0;
      let high = count - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if (this.#starts[middle]! <= at) low = middle;
        else high = middle - 1;
      }
      const entry = this.entry(low);
      if (entry !== undefined && entry.subjects.split(',').includes(hex)) found.add(entry.bundleDigest);
    }
    return [...found].sort();
  }
}

// The head after `sequence` entries (the genesis before the first).
function headAt(heads: Buffer, sequence: number): string {
  return sequence === 0 ? INVENTORY_GENESIS : heads.subarray((sequence - 1) * 32, sequence * 32).toString('hex');
}

// Whether a failed read found something that is not a bundle, rather than failing to read it.
function unreadableContent(error: InputError): boolean {
  if (error.code === 'FILE_NOT_FOUND' || error.code === 'FILE_TOO_LARGE') return true;
  const errno = (error.cause as NodeJS.ErrnoException | undefined)?.code;
  if (errno !== undefined) return errno === 'ELOOP' || errno === 'ENOTDIR';
  return error.message === NOT_A_REGULAR_FILE;
}

function isTemporary(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

// File names in code point order: the same order on every machine and file system.
const compareNames = compareCodePoints;

// Subject-folder entries come first, then loose files; each in name order.
function compareSlots(a: Pick<Slot, 'kind' | 'name'>, b: Pick<Slot, 'kind' | 'name'>): number {
  if (a.kind !== b.kind) return a.kind === 'subject' ? -1 : 1;
  return compareNames(a.name, b.name);
}

function toCursor(slot: Slot): string {
  return Buffer.from(JSON.stringify([slot.kind, slot.name]), 'utf8').toString('base64url');
}

function parseCursor(cursor: string): Pick<Slot, 'kind' | 'name'> {
  try {
    const [kind, name] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if ((kind === 'subject' || kind === 'loose') && typeof name === 'string') return { kind, name };
  } catch {
    // Reported below.
  }
  throw new InputError({ code: 'USAGE', message: `not a cursor this store gave: ${JSON.stringify(cursor)}` });
}
