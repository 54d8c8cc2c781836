import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { InputError, describeThrown } from '../error.ts';
import { sha256Hex } from '../digest/sha256.ts';
import { parseJSON, readBoundedFile } from '../io/read.ts';
import { keyAlgorithm, readPublicKey } from '../keys/keys.ts';
import { compileSchema, type SchemaValidator } from '../schema/validator.ts';
import { PolicyError } from './error.ts';
import { opaFileHash } from './opa-hash.ts';
import { DEFAULT_TAR_LIMITS, readTarGz, writeTarGz } from './tar.ts';

/** Where OPA puts a bundle's signatures. */
export const SIGNATURES_FILE = '.signatures.json';

/** The one entrypoint gatehouse policy bundles must export. */
export const DECISION_ENTRYPOINT = 'decision/result';

const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;

/** A policy bundle whose signature and every file verified against the trusted policy key. */
export interface VerifiedPolicyBundle {
  /** Where it was read from. */
  source: string;
  /** sha256 (hex) of the archive bytes: what decision records pin. */
  digest: string;
  files: ReadonlyMap<string, Buffer>;
  /** Parsed data.json: the thresholds, signers and stages. */
  data: Record<string, unknown>;
  wasm: Buffer;
  entrypoint: string;
  revision: string;
}

interface Signatures {
  signatures: string[];
}

interface SignedFiles {
  files: Array<{ name: string; hash: string; algorithm: string }>;
  scope?: string;
  keyid?: string;
}

interface Manifest {
  revision?: string;
  wasm?: Array<{ entrypoint: string; module: string }>;
}

const signaturesValidator: SchemaValidator<Signatures> = compileSchema<Signatures>({
  $id: 'https://gatehouse.dev/schemas/opa/signatures.json',
  type: 'object',
  required: ['signatures'],
  properties: { signatures: { type: 'array', items: { type: 'string' } } },
});

const signedFilesValidator: SchemaValidator<SignedFiles> = compileSchema<SignedFiles>({
  $id: 'https://gatehouse.dev/schemas/opa/signed-files.json',
  type: 'object',
  required: ['files'],
  properties: {
    files: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'hash', 'algorithm'],
        properties: { name: { type: 'string' }, hash: { type: 'string', pattern: '^[0-9a-f]+$' }, algorithm: { type: 'string' } },
      },
    },
    scope: { type: 'string' },
    keyid: { type: 'string' },
  },
});

const manifestValidator: SchemaValidator<Manifest> = compileSchema<Manifest>({
  $id: 'https://gatehouse.dev/schemas/opa/manifest.json',
  type: 'object',
  properties: {
    revision: { type: 'string' },
    wasm: {
      type: 'array',
      items: { type: 'object', required: ['entrypoint', 'module'], properties: { entrypoint: { type: 'string' }, module: { type: 'string' } } },
    },
  },
});

/** Reads the policy team's public key: policy bundles are signed ES256, so it must be an ECDSA P-256 key. */
export async function readPolicyKey(path: string): Promise<KeyObject> {
  const key = await readPublicKey(path);
  assertPolicyKey(key, path);
  return key;
}

function assertPolicyKey(key: KeyObject, path?: string): void {
  const algorithm = keyAlgorithm(key, path);
  if (algorithm !== 'ecdsa-p256') {
    throw new InputError({
      code: 'KEY_INVALID',
      message: `policy bundles are signed with ES256, which needs an ECDSA P-256 key; this is an ${algorithm} key`,
      ...(path === undefined ? {} : { path }),
    });
  }
}

/** Reads a policy bundle file and verifies it (see verifyPolicyBundle). */
export async function readPolicyBundle(path: string, policyKey: KeyObject): Promise<VerifiedPolicyBundle> {
  return verifyPolicyBundle(await readBoundedFile(path, { maxBytes: MAX_BUNDLE_BYTES }), path, policyKey);
}

/**
 * Verifies an OPA bundle before anything in it is used: the archive unpacks
 * safely, .signatures.json holds exactly one ES256 JWT that verifies under the
 * trusted policy key, it lists every other file in the bundle with the hash OPA
 * computes, and lists no file the bundle lacks. Only then are data.json and
 * policy.wasm read.
 */
export function verifyPolicyBundle(archive: Buffer, source: string, policyKey: KeyObject): VerifiedPolicyBundle {
  assertPolicyKey(policyKey);
  const files = readTarGz(archive, source, DEFAULT_TAR_LIMITS);
  const signatureFile = files.get(SIGNATURES_FILE);
  if (signatureFile === undefined) {
    throw new PolicyError({ code: 'BUNDLE_UNSIGNED', message: `${source}: policy bundle has no ${SIGNATURES_FILE}; only signed bundles are used` });
  }
  const signed = verifyJWT(parseJSONFile(signatureFile, `${source}:${SIGNATURES_FILE}`), source, policyKey);
  const listed = new Map(signed.files.map((file) => [file.name.replace(/^\/+/, ''), file]));
  if (listed.size !== signed.files.length) {
    throw new PolicyError({ code: 'SIGNATURE_INVALID', message: `${source}: the signature lists a file twice` });
  }
  for (const [name, content] of files) {
    if (name === SIGNATURES_FILE) continue;
    const entry = listed.get(name);
    if (entry === undefined) throw new PolicyError({ code: 'FILE_NOT_SIGNED', message: `${source}: ${name} is not covered by the bundle signature` });
    if (entry.algorithm !== 'SHA-256') {
      throw new PolicyError({ code: 'SIGNATURE_INVALID', message: `${source}: ${name} is signed with ${entry.algorithm}; gatehouse accepts SHA-256` });
    }
    let actual: string;
    try {
      actual = opaFileHash(name, content);
    } catch (cause) {
      throw new InputError({ code: 'BUNDLE_MALFORMED', message: `${name} is not valid JSON: ${describeThrown(cause)}`, path: source, cause });
    }
    if (actual !== entry.hash) {
      throw new PolicyError({ code: 'DIGEST_MISMATCH', message: `${source}: ${name} does not match its signed digest (bundle tampered with)` });
    }
    listed.delete(name);
  }
  if (listed.size > 0) {
    throw new PolicyError({ code: 'FILE_MISSING', message: `${source}: signed file(s) missing from the bundle: ${[...listed.keys()].join(', ')}` });
  }

  const manifest = parseJSONFile(files.get('.manifest') ?? Buffer.from('{}'), `${source}:.manifest`);
  manifestValidator.assert(manifest, `${source}:.manifest`, 'OPA bundle manifest');
  const module = manifest.wasm?.find((entry) => entry.entrypoint === DECISION_ENTRYPOINT);
  if (module === undefined) {
    throw new InputError({ code: 'BUNDLE_MALFORMED', message: `no WebAssembly module for entrypoint ${DECISION_ENTRYPOINT}`, path: source });
  }
  const wasm = files.get(module.module.replace(/^\/+/, ''));
  if (wasm === undefined) throw new InputError({ code: 'BUNDLE_MALFORMED', message: `${module.module} is missing`, path: source });
  const data = parseJSONFile(files.get('data.json') ?? Buffer.from('{}'), `${source}:data.json`);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new InputError({ code: 'BUNDLE_MALFORMED', message: 'data.json is not an object', path: source });
  }
  return {
    source,
    digest: sha256Hex(archive),
    files,
    data: data as Record<string, unknown>,
    wasm,
    entrypoint: DECISION_ENTRYPOINT,
    revision: manifest.revision ?? '',
  };
}

function verifyJWT(json: unknown, source: string, policyKey: KeyObject): SignedFiles {
  signaturesValidator.assert(json, `${source}:${SIGNATURES_FILE}`, 'OPA signatures file');
  if (json.signatures.length !== 1) {
    throw new PolicyError({ code: 'SIGNATURE_INVALID', message: `${source}: expected exactly one signature, found ${json.signatures.length}` });
  }
  const parts = json.signatures[0]!.split('.');
  if (parts.length !== 3) throw new PolicyError({ code: 'SIGNATURE_INVALID', message: `${source}: the signature is not a compact JWS` });
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJSONPart(headerPart, source) as { alg?: unknown };
  // Only ES256: the algorithm is the policy team's choice, not the bundle's.
  if (header.alg !== 'ES256') {
    throw new PolicyError({ code: 'SIGNATURE_INVALID', message: `${source}: signature algorithm ${JSON.stringify(header.alg)} is not ES256` });
  }
  const signature = Buffer.from(signaturePart, 'base64url');
  const valid =
    signature.length === 64 &&
    cryptoVerify('sha256', Buffer.from(`${headerPart}.${payloadPart}`), { key: policyKey, dsaEncoding: 'ieee-p1363' }, signature);
  if (!valid) {
    throw new PolicyError({ code: 'SIGNATURE_INVALID', message: `${source}: bundle signature does not verify with the trusted policy key` });
  }
  const payload = decodeJSONPart(payloadPart, source);
  signedFilesValidator.assert(payload, `${source}:${SIGNATURES_FILE}`, 'OPA signature payload');
  if ((payload.scope ?? '') !== '') {
    throw new PolicyError({ code: 'SIGNATURE_INVALID', message: `${source}: signature is scoped to ${JSON.stringify(payload.scope)}` });
  }
  return payload;
}

function decodeJSONPart(part: string, source: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new PolicyError({ code: 'SIGNATURE_INVALID', message: `${source}: unreadable JWT part`, cause });
  }
}

function parseJSONFile(content: Buffer, name: string): any {
  try {
    return parseJSON(content, name);
  } catch (cause) {
    throw new InputError({ code: 'BUNDLE_MALFORMED', message: describeThrown(cause), path: name, cause });
  }
}

/**
 * A copy of a verified bundle with other data, signed by another policy key
 * (ES256, as OPA signs): the compiled policy and manifest are kept byte for
 * byte, data.json is replaced, and the signature lists every file with the
 * hash OPA computes. It verifies only under the new key. The demo uses it to
 * make a policy that trusts keys generated for one run, without opa.
 */
export function withPolicyData(bundle: VerifiedPolicyBundle, data: Record<string, unknown>, policyKey: KeyObject): Buffer {
  if (policyKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1' || policyKey.type !== 'private') {
    throw new InputError({ code: 'KEY_INVALID', message: 'policy bundles are signed with ES256: use an ECDSA P-256 private key' });
  }
  const files = new Map([...bundle.files].filter(([name]) => name !== SIGNATURES_FILE && name !== 'data.json'));
  files.set('data.json', Buffer.from(JSON.stringify(data)));
  const signed = { files: [...files].map(([name, content]) => ({ name, hash: opaFileHash(name, content), algorithm: 'SHA-256' })), keyid: 'default' };
  const body = `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'default', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(signed)).toString('base64url')}`;
  const signature = cryptoSign('sha256', Buffer.from(body), { key: policyKey, dsaEncoding: 'ieee-p1363' });
  return writeTarGz(new Map([[SIGNATURES_FILE, Buffer.from(JSON.stringify({ signatures: [`${body}.${signature.toString('base64url')}`] }))], ...files]));
}
