import { gunzipSync, gzipSync } from 'node:zlib';
import { InputError, describeThrown } from '../error.ts';

/** Limits applied while unpacking a bundle archive. */
export interface TarLimits {
  /** Total bytes after decompression. */
  maxBytes: number;
  maxFiles: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = { maxBytes: 64 * 1024 * 1024, maxFiles: 1024 };

const BLOCK = 512;

/**
 * Unpacks a gzip-compressed tar archive into memory, refusing anything but
 * regular files and directories, names that escape the archive root or repeat,
 * and archives beyond the limits. Names are returned without a leading slash.
 */
export function readTarGz(bytes: Buffer, source: string, limits: TarLimits = DEFAULT_TAR_LIMITS): Map<string, Buffer> {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: limits.maxBytes });
  } catch (cause) {
    throw new InputError({ code: 'BUNDLE_MALFORMED', message: `not a gzip archive within ${limits.maxBytes} bytes: ${describeThrown(cause)}`, path: source, cause });
  }
  const files = new Map<string, Buffer>();
  const fail = (message: string): never => {
    throw new InputError({ code: 'BUNDLE_MALFORMED', message, path: source });
  };
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    if (!checksumMatches(header)) fail(`corrupt tar header at byte ${offset}`);
    const name = cString(header.subarray(0, 100));
    const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? cString(header.subarray(345, 500)) : '';
    const size = parseOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156]!);
    if (size === undefined) fail(`bad size field at byte ${offset}`);
    const fullName = prefix === '' ? name : `${prefix}/${name}`;
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size!;
    if (dataEnd > tar.length) fail(`${fullName}: truncated`);
    offset = dataStart + Math.ceil(size! / BLOCK) * BLOCK;
    if (type === '5') continue;
    if (type !== '0' && type !== '\0') fail(`${fullName}: only regular files are allowed in a bundle (tar type ${JSON.stringify(type)})`);
    const normalised = safeName(fullName);
    if (normalised === undefined) fail(`${JSON.stringify(fullName)}: unsafe path in bundle`);
    if (files.has(normalised!)) fail(`${normalised}: appears twice in bundle`);
    if (files.size >= limits.maxFiles) fail(`more than ${limits.maxFiles} files in bundle`);
    files.set(normalised!, Buffer.from(tar.subarray(dataStart, dataEnd)));
  }
  return files;
}

/**
 * Packs files into a gzip-compressed ustar archive, in the order given, with
 * fixed metadata (mode 0644, owner 0, time 0) so the same files always make
 * the same archive. Each name is stored from the archive root ("/data.json"),
 * as opa build writes bundles; names must fit ustar's 100 bytes.
 */
export function writeTarGz(files: ReadonlyMap<string, Uint8Array>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of files) {
    if (safeName(name) !== name || Buffer.byteLength(name) > 98) throw new RangeError(`${JSON.stringify(name)}: not a name this archive writer stores`);
    const header = Buffer.alloc(BLOCK);
    header.write(`/${name}`, 0, 'utf8');
    header.write('0000644\0', 100, 'latin1');
    header.write('0000000\0', 108, 'latin1');
    header.write('0000000\0', 116, 'latin1');
    header.write(`${content.byteLength.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    header.write('00000000000\0', 136, 'latin1');
    header.write('        ', 148, 'latin1');
    header.write('0', 156, 'latin1');
    header.write('ustar\0', 257, 'latin1');
    header.write('00', 263, 'latin1');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(header, Buffer.from(content), Buffer.alloc((BLOCK - (content.byteLength % BLOCK)) % BLOCK));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return gzipSync(Buffer.concat(blocks));
}

function safeName(name: string): string | undefined {
  const parts = name.replace(/^\/+/, '').split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0 || parts.some((part) => part === '..' || part.includes('\\') || part.includes('\0'))) return undefined;
  return parts.join('/');
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}

function parseOctal(bytes: Buffer): number | undefined {
  const text = cString(bytes).trim();
  if (!/^[0-7]+$/.test(text)) return undefined;
  const value = Number.parseInt(text, 8);
  return Number.isSafeInteger(value) ? value : undefined;
}

function checksumMatches(header: Buffer): boolean {
  const recorded = parseOctal(header.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return recorded === sum;
}
