import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { sha256Hex } from '../digest/sha256.ts';
import { InputError, describeThrown } from '../error.ts';

/** What readBoundedFile says of a path that is there but no regular file (a FIFO, a folder, a device). */
export const NOT_A_REGULAR_FILE = 'not a regular file';

/** Upper bound for JSON documents gatehouse reads (bundles, predicates, keys). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

export interface ReadOptions {
  /** Refuse files larger than this many bytes, before reading them. */
  maxBytes?: number;
}

/** Evidence a gate reads: a file's path, or bytes already in hand (an upload) with a name that messages and reports use. */
export type EvidenceSource = string | { name: string; bytes: Uint8Array };

/** The name of a piece of evidence: its path, or the name given with its bytes. */
export function evidenceName(source: EvidenceSource): string {
  return typeof source === 'string' ? source : source.name;
}

/** The bytes of a piece of evidence, bounded by `maxBytes` whether read from a file or handed over. */
export async function readEvidenceBytes(source: EvidenceSource, options: ReadOptions = {}): Promise<Buffer> {
  if (typeof source === 'string') return readBoundedFile(source, options);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (source.bytes.byteLength > maxBytes) {
    throw new InputError({ code: 'FILE_TOO_LARGE', message: `${source.bytes.byteLength} bytes, more than the ${maxBytes}-byte limit for this kind of document`, path: source.name });
  }
  return Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength);
}

/**
 * Reads a whole regular file, refusing anything larger than `maxBytes` up front
 * so a huge file handed in by mistake neither stalls nor exhausts memory.
 */
export async function readBoundedFile(path: string, options: ReadOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  let info;
  try {
    info = await stat(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE';
    const message = code === 'FILE_NOT_FOUND' ? 'no such file' : `cannot read: ${describeThrown(cause)}`;
    throw new InputError({ code, message, path, cause });
  }
  if (!info.isFile()) {
    throw new InputError({ code: 'FILE_UNREADABLE', message: NOT_A_REGULAR_FILE, path });
  }
  if (info.size > maxBytes) {
    throw new InputError({
      code: 'FILE_TOO_LARGE',
      message: `file is ${info.size} bytes, more than the ${maxBytes}-byte limit for this kind of document`,
      path,
    });
  }
  // Open without blocking (a FIFO swapped in after the stat would otherwise
  // wait forever for a writer), then check that what was opened is the
  // regular file that was measured.
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw new InputError({ code: 'FILE_UNREADABLE', message: `cannot read: ${describeThrown(cause)}`, path, cause });
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== info.ino || opened.dev !== info.dev) {
      throw new InputError({ code: 'FILE_UNREADABLE', message: 'file changed while being read', path });
    }
    // Read through one handle into a buffer one byte larger than the size seen,
    // so a file that grows between stat and read is noticed instead of trusted.
    const buffer = Buffer.alloc(info.size + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) {
        throw new InputError({ code: 'FILE_UNREADABLE', message: 'file changed while being read', path });
      }
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** Reads and parses a JSON file; a parse failure names the file. */
export async function readJSONFile(path: string, options: ReadOptions = {}): Promise<unknown> {
  const bytes = await readBoundedFile(path, options);
  return parseJSON(bytes, path);
}

/** Parses JSON bytes, naming `path` in the error when they are not valid UTF-8 JSON. */
export function parseJSON(bytes: Buffer, path: string): unknown {
  return parseJSONText(decodeUTF8(bytes, path), path);
}

/**
 * How deeply JSON gatehouse reads may nest. Real documents (bundles, in-toto
 * statements, trusted roots, policy data) stay below 20 levels; the bound
 * keeps every recursive walk over a parsed value (schema checks, canonical
 * JSON, the policy engine) far from the stack limit, whoever wrote the file.
 */
export const MAX_JSON_DEPTH = 100;

/** Parses JSON text no deeper than MAX_JSON_DEPTH, naming `path` (a file, or a file and line) when it is not valid JSON. */
export function parseJSONText(text: string, path: string): unknown {
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new InputError({ code: 'JSON_INVALID', message: `JSON nested more than ${MAX_JSON_DEPTH} levels deep`, path });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new InputError({ code: 'JSON_INVALID', message: `not valid JSON (${describeThrown(cause)})`, path, cause });
  }
  if (!allFinite(value)) {
    throw new InputError({ code: 'JSON_INVALID', message: 'JSON holds a number too large for a double (such as 1e400), which JSON tools read differently', path });
  }
  return value;
}

// Whether every number in a parsed value is finite: JSON.parse reads 1e400 as
// Infinity, which canonical JSON, digests and the policy engine cannot carry.
function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  return Object.values(value).every(allFinite);
}

// The deepest nesting of arrays and objects in JSON text, in one pass that
// skips strings; it stops counting once past the bound.
function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > MAX_JSON_DEPTH) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

/** Decodes strict UTF-8, naming `path` when the bytes are not. */
export function decodeUTF8(bytes: Buffer, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new InputError({ code: 'JSON_INVALID', message: 'not valid UTF-8', path, cause });
  }
}

/**
 * Upper bound for evaluation evidence (per-example results, predictions,
 * datasets, responses): about the longest string V8 holds.
 */
export const MAX_EVIDENCE_BYTES = 512 * 1024 * 1024;

/** Reads a UTF-8 text file of evaluation evidence, bounded by MAX_EVIDENCE_BYTES unless told otherwise. */
export async function readTextFile(path: string, options: ReadOptions = {}): Promise<string> {
  return decodeUTF8(await readBoundedFile(path, { maxBytes: options.maxBytes ?? MAX_EVIDENCE_BYTES }), path);
}

/**
 * Reads UTF-8 evidence (a file, or bytes handed over) once, with the sha256
 * digest of exactly those bytes, so what a gate judges and the digest it
 * records cannot differ.
 */
export async function readEvidenceFile(source: EvidenceSource): Promise<{ text: string; digest: `sha256:${string}` }> {
  const bytes = await readEvidenceBytes(source, { maxBytes: MAX_EVIDENCE_BYTES });
  return { text: decodeUTF8(bytes, evidenceName(source)), digest: `sha256:${sha256Hex(bytes)}` };
}
