import { gunzipSync } from 'node:zlib';
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
