import { bundleFromJSON, type Bundle, type BundleWithDsseEnvelope } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  Verifier,
  VerificationError as SigstoreVerificationError,
  toSignedEntity,
  toTrustMaterial,
  type SignedEntity,
  type Signer as SigstoreSigner,
} from '@sigstore/verify';
import bundleSchema from './schemas/bundle.schema.json' with { type: 'json' };
import { IN_TOTO_PAYLOAD_TYPE, statementValidator, type InTotoStatement } from '../attest/statement.ts';
import { sha256Hex } from '../digest/sha256.ts';
import { InputError, describeThrown } from '../error.ts';
import { parseJSON, parseJSONText, readBoundedFile } from '../io/read.ts';
import { compileSchema } from '../schema/validator.ts';
import { VerificationError, type VerificationErrorCode } from './error.ts';
import { certificateExtensions, identityMatches, type CertificateExtensions } from './certificate.ts';
import type { SignerIdentity } from './identity.ts';
import type { KeylessTrust, TrustPolicy, TrustedKey } from './trust.ts';

/** A bundle that verified: the statement it signs and who signed it. Only these reach a policy. */
export interface VerifiedAttestation {
  /** As its producer wrote it: subjects in any digest algorithms, the predicate possibly absent. */
  statement: InTotoStatement;
  signer: SignerIdentity;
  /** sha256 (hex) of the bundle's bytes as read, when verified from bytes. */
  bundleDigest?: string;
  /** sha256 (hex) of the DSSE payload: the exact statement bytes that were signed. */
  payloadDigest: string;
  /**
   * Times a witness vouches the signature existed by, each verified against
   * the trusted root (RFC 3161 timestamps, Rekor integrated times under a
   * signed entry timestamp); empty when the bundle carries none.
   */
  timestamps: Date[];
  /** Of a certificate-signed bundle: the Fulcio extensions gatehouse reads, and the trusted root (KeylessTrust name) that verified it. */
  certificate?: { extensions: CertificateExtensions; trustedRoot?: string };
}

const bundleValidator = compileSchema<Record<string, unknown>>(bundleSchema);

const EMPTY_ROOT = TrustedRoot.fromJSON({
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
});

/**
 * Verifies Sigstore bundles carrying DSSE-signed in-toto statements against a
 * fixed trust policy, offline. Malformed input raises InputError; a
 * well-formed bundle that is not trustworthy evidence raises VerificationError.
 */
export class AttestationVerifier {
  readonly #keys: TrustedKey[];
  readonly #keyVerifiers: Map<TrustedKey, Verifier>;
  readonly #keyless: Array<{ trust: KeylessTrust; verifier: Verifier }>;

  constructor(trust: TrustPolicy) {
    this.#keys = trust.keys ?? [];
    const keyless = trust.keyless === undefined ? [] : Array.isArray(trust.keyless) ? trust.keyless : [trust.keyless];
    const keyOptions = { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 };
    // A key-signed bundle may still carry log entries; those are checked
    // against the (first) trusted root's logs when there is one, and fail otherwise.
    const keyRoot = keyless[0]?.trustedRoot ?? EMPTY_ROOT;
    this.#keyVerifiers = new Map(
      this.#keys.map((key) => [
        key,
        new Verifier(toTrustMaterial(keyRoot, () => ({ publicKey: key.publicKey, validFor: () => true })), keyOptions),
      ]),
    );
    this.#keyless = keyless.map((root) => {
      const timestampThreshold = root.timestampThreshold ?? 1;
      // Without a verified timestamp sigstore-js cannot place the short-lived
      // certificate in time, and would skip its chain check.
      if (timestampThreshold < 1) throw new RangeError('keyless verification needs timestampThreshold >= 1');
      const verifier = new Verifier(toTrustMaterial(root.trustedRoot), {
        tlogThreshold: root.tlogThreshold ?? 1,
        ctlogThreshold: root.ctlogThreshold ?? 1,
        timestampThreshold,
      });
      return { trust: root, verifier };
    });
  }

  /** Reads a bundle file (size-bounded) and verifies it. */
  async verifyFile(path: string): Promise<VerifiedAttestation> {
    return this.verifyBytes(await readBoundedFile(path), path);
  }

  /** Verifies a bundle from its serialized bytes; `source` names it in errors. */
  verifyBytes(bytes: Buffer, source: string): VerifiedAttestation {
    const verified = this.verifyJSON(parseJSON(bytes, source), source);
    verified.bundleDigest = sha256Hex(bytes);
    return verified;
  }

  /** Verifies a parsed bundle; `source` names it in errors. */
  verifyJSON(json: unknown, source: string): VerifiedAttestation {
    const bundle = toDSSEBundle(json, source);
    const entity = toEntity(bundle, source);
    const { signer, certificate } = this.#verifySignature(bundle, entity, source);
    const envelope = bundle.content.dsseEnvelope;
    if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
      throw new VerificationError({
        code: 'PAYLOAD_TYPE_UNSUPPORTED',
        message: `${source}: payloadType is ${JSON.stringify(envelope.payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`,
      });
    }
    const statement = toStatement(envelope.payload, source);
    return {
      statement,
      signer,
      payloadDigest: sha256Hex(envelope.payload),
      timestamps: verifiedTimestamps(entity),
      ...(certificate === undefined ? {} : { certificate }),
    };
  }

  #verifySignature(bundle: BundleWithDsseEnvelope, entity: SignedEntity, source: string): Pick<VerifiedAttestation, 'signer' | 'certificate'> {
    switch (entity.key.$case) {
      case 'public-key':
        return { signer: this.#verifyWithKeys(entity, entity.key.hint, source) };
      case 'certificate':
        return this.#verifyKeyless(entity, source);
      default:
        throw new InputError({ code: 'BUNDLE_MALFORMED', message: `unsupported verification material in ${bundle.mediaType}`, path: source });
    }
  }

  #verifyWithKeys(entity: SignedEntity, hint: string, source: string): SignerIdentity {
    if (this.#keys.length === 0) {
      throw new VerificationError({ code: 'NO_TRUST_MATERIAL', message: `${source}: key-signed bundle, but no trusted public key was given` });
    }
    // The hint is unauthenticated: it only orders the attempts. Acceptance
    // rests on the signature verifying under one of the trusted keys.
    const ordered = [...this.#keys].sort((a, b) => Number(b.fingerprint === hint) - Number(a.fingerprint === hint));
    let lastFailure: unknown;
    for (const key of ordered) {
      try {
        this.#keyVerifiers.get(key)!.verify(entity);
        return { kind: 'key', keyId: key.fingerprint, algorithm: key.algorithm };
      } catch (failure) {
        lastFailure = failure;
        if (!(failure instanceof SigstoreVerificationError) || failure.code !== 'SIGNATURE_ERROR') {
          throw toVerificationError(failure, source);
        }
      }
    }
    throw new VerificationError({
      code: 'UNTRUSTED_KEY',
      message: `${source}: signature does not verify with any trusted key (${this.#keys.length === 1 ? this.#keys[0]!.fingerprint : `${this.#keys.length} keys`})`,
      cause: lastFailure,
    });
  }

  #verifyKeyless(entity: SignedEntity, source: string): Pick<VerifiedAttestation, 'signer' | 'certificate'> {
    if (this.#keyless.length === 0) {
      throw new VerificationError({ code: 'NO_TRUST_MATERIAL', message: `${source}: certificate-signed bundle, but no trusted root was given` });
    }
    // Each root vouches only for its own identities: a certificate another
    // instance issued for the same SAN is not the signer a root names.
    let refusal: VerificationError | undefined;
    for (const { trust, verifier } of this.#keyless) {
      let signer: SigstoreSigner;
      try {
        signer = verifier.verify(entity);
      } catch (failure) {
        refusal ??= toVerificationError(failure, source);
        continue;
      }
      const issuer = signer.identity?.extensions?.issuer;
      const subject = signer.identity?.subjectAlternativeName;
      if (issuer === undefined || subject === undefined) {
        throw new VerificationError({ code: 'CERTIFICATE_INVALID', message: `${source}: certificate names no OIDC issuer or subject` });
      }
      const extensions = certificateExtensions(signer.identity?.oids ?? []);
      if (trust.identities.some((identity) => identityMatches(identity, { issuer, subject, extensions }))) {
        return { signer: { kind: 'keyless', issuer, subject }, certificate: { extensions, ...(trust.name === undefined ? {} : { trustedRoot: trust.name }) } };
      }
      refusal = new VerificationError({
        code: 'UNTRUSTED_IDENTITY',
        message: `${source}: signed by ${subject} (issuer ${issuer}${describeExtensions(extensions)}), which is not a trusted identity`,
      });
    }
    throw refusal!;
  }
}

function describeExtensions(extensions: CertificateExtensions): string {
  const shown = (['githubWorkflowRepository', 'githubWorkflowRef', 'githubWorkflowTrigger', 'runnerEnvironment'] as const).filter((name) => extensions[name] !== undefined);
  return shown.map((name) => `, ${name} ${extensions[name]}`).join('');
}

function toDSSEBundle(json: unknown, source: string): BundleWithDsseEnvelope {
  const problem = bundleValidator.problem(json);
  if (problem !== undefined) {
    throw new InputError({ code: 'BUNDLE_MALFORMED', message: `not a Sigstore DSSE bundle: ${problem}`, path: source });
  }
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (cause) {
    throw new InputError({ code: 'BUNDLE_MALFORMED', message: `not a valid Sigstore bundle: ${describeThrown(cause)}`, path: source, cause });
  }
  if (bundle.content.$case !== 'dsseEnvelope') {
    throw new InputError({ code: 'BUNDLE_MALFORMED', message: 'bundle carries no DSSE envelope', path: source });
  }
  return bundle as BundleWithDsseEnvelope;
}

function toEntity(bundle: BundleWithDsseEnvelope, source: string): SignedEntity {
  try {
    return toSignedEntity(bundle);
  } catch (cause) {
    throw new InputError({ code: 'BUNDLE_MALFORMED', message: `unreadable verification material: ${describeThrown(cause)}`, path: source, cause });
  }
}

// The timestamps sigstore-js verified while verifying the entity (it checks
// every one and fails on any it cannot): RFC 3161 signing times, and the
// integrated time of log entries whose signed entry timestamp covers it.
function verifiedTimestamps(entity: SignedEntity): Date[] {
  return entity.timestamps.flatMap((timestamp) => {
    if (timestamp.$case === 'timestamp-authority') return [timestamp.timestamp.signingTime];
    return timestamp.tlogEntry.inclusionPromise === undefined ? [] : [new Date(Number(timestamp.tlogEntry.integratedTime) * 1000)];
  });
}

function toStatement(payload: Buffer, source: string): InTotoStatement {
  let json: unknown;
  try {
    json = parseJSONText(new TextDecoder('utf-8', { fatal: true }).decode(payload), source);
  } catch (cause) {
    const why = cause instanceof InputError ? `: ${cause.message}` : '';
    throw new VerificationError({ code: 'STATEMENT_INVALID', message: `${source}: signed payload is not JSON${why}`, cause });
  }
  const problem = statementValidator.problem(json);
  if (problem !== undefined) {
    throw new VerificationError({ code: 'STATEMENT_INVALID', message: `${source}: signed payload is not an in-toto v1 statement: ${problem}` });
  }
  return json as InTotoStatement;
}

const SIGSTORE_CODES: Record<string, VerificationErrorCode> = {
  SIGNATURE_ERROR: 'SIGNATURE_INVALID',
  PUBLIC_KEY_ERROR: 'UNTRUSTED_KEY',
  CERTIFICATE_ERROR: 'CERTIFICATE_INVALID',
  UNTRUSTED_SIGNER_ERROR: 'UNTRUSTED_IDENTITY',
  TIMESTAMP_ERROR: 'TIMESTAMP_INVALID',
};

function toVerificationError(failure: unknown, source: string): VerificationError {
  const sigstoreCode = failure instanceof SigstoreVerificationError ? failure.code : undefined;
  const code = sigstoreCode === undefined ? 'SIGNATURE_INVALID' : (SIGSTORE_CODES[sigstoreCode] ?? (sigstoreCode.startsWith('TLOG') ? 'TLOG_INVALID' : 'SIGNATURE_INVALID'));
  return new VerificationError({ code, message: `${source}: ${describeThrown(failure)}`, cause: failure });
}
