import { InputError, type InputErrorCode } from '../error.ts';

/**
 * The Fulcio certificate extensions (OIDs 1.3.6.1.4.1.57264.1.*) a keyless
 * signer may be matched on, by the names cosign's
 * `--certificate-github-workflow-*` flags and `gh attestation verify` use.
 * The github* names read the GitHub-specific extensions cosign reads (raw
 * strings: `owner/repo`, `refs/heads/main`); the others read Fulcio's
 * CI-neutral ones (DER UTF8Strings: the repository as a URL, the signing
 * workflow as `https://github.com/o/r/.github/workflows/x.yml@ref`).
 */
export const CERTIFICATE_EXTENSIONS = {
  githubWorkflowTrigger: { oid: '1.3.6.1.4.1.57264.1.2', encoding: 'raw' },
  githubWorkflowSha: { oid: '1.3.6.1.4.1.57264.1.3', encoding: 'raw' },
  githubWorkflowName: { oid: '1.3.6.1.4.1.57264.1.4', encoding: 'raw' },
  githubWorkflowRepository: { oid: '1.3.6.1.4.1.57264.1.5', encoding: 'raw' },
  githubWorkflowRef: { oid: '1.3.6.1.4.1.57264.1.6', encoding: 'raw' },
  buildSignerURI: { oid: '1.3.6.1.4.1.57264.1.9', encoding: 'der' },
  runnerEnvironment: { oid: '1.3.6.1.4.1.57264.1.11', encoding: 'der' },
  sourceRepositoryURI: { oid: '1.3.6.1.4.1.57264.1.12', encoding: 'der' },
  sourceRepositoryDigest: { oid: '1.3.6.1.4.1.57264.1.13', encoding: 'der' },
  sourceRepositoryRef: { oid: '1.3.6.1.4.1.57264.1.14', encoding: 'der' },
  buildTrigger: { oid: '1.3.6.1.4.1.57264.1.20', encoding: 'der' },
} as const;

/** One of CERTIFICATE_EXTENSIONS' names. */
export type CertificateExtensionName = keyof typeof CERTIFICATE_EXTENSIONS;

/** Extension values of a certificate (or the exact values a signer requires), by name. */
export type CertificateExtensions = Partial<Record<CertificateExtensionName, string>>;

/** Extensions that name the repository a workflow ran in: a signer matched by extensions alone must require one. */
export const REPOSITORY_EXTENSIONS: readonly CertificateExtensionName[] = ['githubWorkflowRepository', 'sourceRepositoryURI'];

/** What a verified certificate says of its holder: issuer, SAN and the extensions gatehouse reads. */
export interface CertificateIdentity {
  issuer: string;
  subject: string;
  extensions: CertificateExtensions;
}

/**
 * A keyless signer gatehouse accepts: the OIDC issuer (exactly, or by a
 * whole-string pattern), the certificate SAN (exactly, or by a whole-string
 * pattern; absent when extensions name the repository), and extension values
 * that must all be present and equal.
 */
export interface TrustedIdentity {
  issuer: string | RegExp;
  subject?: string | RegExp;
  extensions?: CertificateExtensions;
}

/** Reads the extensions gatehouse knows from the OIDs sigstore-js lists for a verified certificate. */
export function certificateExtensions(oids: ReadonlyArray<{ oid?: { id: number[] }; value: Uint8Array }>): CertificateExtensions {
  const extensions: CertificateExtensions = {};
  for (const [name, { oid, encoding }] of Object.entries(CERTIFICATE_EXTENSIONS) as Array<[CertificateExtensionName, (typeof CERTIFICATE_EXTENSIONS)[CertificateExtensionName]]>) {
    const found = oids.find((entry) => entry.oid?.id.join('.') === oid);
    if (found === undefined) continue;
    const value = encoding === 'raw' ? Buffer.from(found.value).toString('utf8') : derUTF8String(Buffer.from(found.value));
    if (value !== undefined) extensions[name] = value;
  }
  return extensions;
}

// A DER UTF8String (tag 12), short or long form length; undefined for anything else,
// so a malformed extension matches no requirement.
function derUTF8String(bytes: Buffer): string | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x0c) return undefined;
  let length = bytes[1]!;
  let offset = 2;
  if (length & 0x80) {
    const size = length & 0x7f;
    if (size === 0 || size > 4 || bytes.length < 2 + size) return undefined;
    length = bytes.subarray(2, 2 + size).reduce((total, byte) => total * 256 + byte, 0);
    offset = 2 + size;
  }
  if (offset + length !== bytes.length) return undefined;
  return bytes.subarray(offset).toString('utf8');
}

/** Whether a verified certificate is this trusted signer: issuer, SAN and every required extension. */
export function identityMatches(identity: TrustedIdentity, certificate: CertificateIdentity): boolean {
  if (!valueMatches(identity.issuer, certificate.issuer)) return false;
  if (identity.subject !== undefined && !valueMatches(identity.subject, certificate.subject)) return false;
  return Object.entries(identity.extensions ?? {}).every(([name, value]) => certificate.extensions[name as CertificateExtensionName] === value);
}

// A pattern matches the whole value, never a part of it: a prefix of one
// repository's SAN is also a prefix of another's (acme/models, acme/models-evil).
// A copy is asked, so a global or sticky pattern's lastIndex never carries over.
function valueMatches(expected: string | RegExp, actual: string): boolean {
  if (typeof expected === 'string') return expected === actual;
  const match = new RegExp(expected).exec(actual);
  // A match as long as the value can only begin at its start.
  return match !== null && match[0].length === actual.length;
}

/** Where a pattern came from, for the one line that refuses it. */
export interface PatternSource {
  /** The flag or policy-data field, e.g. "--certificate-identity-regexp" or "signers.release.subject_regexp". */
  what: string;
  code: InputErrorCode;
  path?: string;
}

// A literal start every SAN pattern must have: scheme://host/owner/repository/, so it
// names one repository and cannot reach another or every identity.
const SUBJECT_PREFIX = /^[a-z][a-z0-9+.-]*:\/\/[^/]+\/[^/]+\/[^/]+\//i;
// An issuer pattern must fix scheme://host/.
const ISSUER_PREFIX = /^[a-z][a-z0-9+.-]*:\/\/[^/]+\//i;

/**
 * Compiles a SAN or issuer pattern, anchored at both ends, refusing one that
 * is empty, invalid or over-broad. Over-broad is decided soundly from the
 * pattern's required literal start (everything before its first
 * metacharacter, less a character a quantifier makes optional), which every
 * matching string begins with: it must reach scheme://host/owner/repository/
 * for a SAN and scheme://host/ for an issuer (`.*`, `.+`, `^.*$`,
 * `https://github\.com/.*` and `…/acme/models.*`, which also admits
 * `…/acme/models-evil/…`, are all refused), and no top-level alternation may
 * bypass it. A pattern with no metacharacter at all is an exact value.
 */
export function narrowPattern(pattern: string, role: 'subject' | 'issuer', source: PatternSource): RegExp {
  const refuse = (problem: string): never => {
    throw new InputError({ code: source.code, message: `${source.what}: ${problem}`, ...(source.path === undefined ? {} : { path: source.path }) });
  };
  if (pattern.trim() === '') refuse('empty pattern');
  let compiled: RegExp;
  try {
    compiled = new RegExp(`^(?:${pattern})$`);
  } catch (cause) {
    return refuse(`not a valid pattern: ${pattern} (${(cause as Error).message})`);
  }
  if (hasTopLevelAlternation(pattern)) refuse(`${pattern} has an alternation (|) outside a group, which lets a branch skip the literal start; put the alternatives in a group after it`);
  const { prefix, whole } = literalPrefix(pattern);
  const required = role === 'subject' ? SUBJECT_PREFIX : ISSUER_PREFIX;
  if (!whole && !required.test(prefix)) {
    const shape = role === 'subject' ? 'scheme://host/owner/repository/' : 'scheme://host/';
    const dots = /^[a-z][a-z0-9-]*:\/\/[^/.\\]*$/i.test(prefix) && /^\^?[a-z][a-z0-9-]*:\/\/[^/]*[^\\]\./i.test(pattern) ? ' (escape the dots in the host: an unescaped . matches any character)' : '';
    refuse(`${pattern} is too broad: a pattern must begin with a literal ${shape} so it names one ${role === 'subject' ? 'repository' : 'issuer'} and cannot match every identity; its literal start is ${JSON.stringify(prefix)}${dots}`);
  }
  return compiled;
}

// The characters every match must begin with, and whether that is the whole pattern.
function literalPrefix(pattern: string): { prefix: string; whole: boolean } {
  let i = pattern.startsWith('^') ? 1 : 0;
  let prefix = '';
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      // \d, \w, \b, \x41, \u…: not a plain literal; stop, as for any class.
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return { prefix, whole: false };
      prefix += next;
      i += 2;
      continue;
    }
    if ('.[](){}|?*+^$'.includes(c)) {
      if (c === '$' && i === pattern.length - 1) return { prefix, whole: true };
      // A quantifier may make the character before it absent (x?, x*, x{0,1}) or repeat it (x+).
      if ('?*{+'.includes(c)) prefix = prefix.slice(0, -1);
      return { prefix, whole: false };
    }
    prefix += c;
    i += 1;
  }
  return { prefix, whole: true };
}

function hasTopLevelAlternation(pattern: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i += 1;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(') {
      depth += 1;
    } else if (c === ')') {
      depth -= 1;
    } else if (c === '|' && depth === 0) {
      return true;
    }
  }
  return false;
}
