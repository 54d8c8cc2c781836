import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
// The DSSE bundler alone: the package's index also loads its Fulcio, Rekor and
// TSA clients and their HTTP stack, which a key-signed bundle never uses and a
// cold `verify` that signs its record would pay for. (The version is pinned.)
import { DSSEBundleBuilder } from '@sigstore/sign/dist/bundler/dsse.js';
import type { Witness } from '@sigstore/sign';
import { IN_TOTO_PAYLOAD_TYPE, toStatement, writtenStatementValidator, type Statement } from '../attest/statement.ts';
import { canonicalJSON } from '../canonical/json.ts';
import { SigningError } from './error.ts';
import type { Signer } from './signer.ts';
import { InputError, describeThrown } from '../error.ts';

export interface SigningOptions {
  signer: Signer;
  /** Transparency log and timestamp witnesses; none for key-signed offline bundles. */
  witnesses?: Witness[];
}

/**
 * Signs an in-toto statement as a DSSE envelope (payloadType
 * application/vnd.in-toto+json) inside a Sigstore bundle v0.3 and returns its
 * JSON form. The payload is the statement's canonical JSON.
 */
export async function signStatement(statement: Statement<object>, options: SigningOptions): Promise<SerializedBundle> {
  writtenStatementValidator.assert(statement, '<statement>', 'in-toto statement');
  const builder = new DSSEBundleBuilder({ signer: options.signer, witnesses: options.witnesses ?? [] });
  try {
    const bundle = await builder.create({ data: canonicalJSON(statement), type: IN_TOTO_PAYLOAD_TYPE });
    return bundleToJSON(bundle);
  } catch (cause) {
    // sigstore-js wraps what our identity provider raised; its code (a missing
    // token is bad input, not an internal failure) must survive the wrapping.
    throw ownSigningError(cause) ?? new SigningError({ code: 'SIGNING_FAILED', message: `signing failed: ${describeThrown(cause)}`, cause });
  }
}

function ownSigningError(thrown: unknown): SigningError | undefined {
  for (let error = thrown, depth = 0; error instanceof Error && depth < 8; error = error.cause, depth += 1) {
    if (error instanceof SigningError) return error;
  }
  return undefined;
}

/** Refuses a predicate that is no JSON object, or that breaks the schema of the registered gate (or approval workflow statement) its type names. */
export async function assertPredicate(predicateType: string, predicate: unknown, source: string): Promise<void> {
  if (predicate === null || typeof predicate !== 'object' || Array.isArray(predicate)) {
    throw new InputError({ code: 'SCHEMA_INVALID', message: 'the predicate must be a JSON object', path: source });
  }
  const [{ gateRegistry }, { workflowStatements }] = await Promise.all([import('../gates/registry.ts'), import('../approval/statements.ts')]);
  (gateRegistry.byPredicateType(predicateType)?.predicateValidator ?? workflowStatements.get(predicateType)?.validator)?.assert(predicate, source, `${predicateType} predicate`);
}

/**
 * Signs a statement that `subject` has `predicate` (of `predicateType`). A
 * predicate of a registered gate's type must match that gate's schema: one
 * that breaks it is refused before signing, naming `source`.
 */
export async function attestPredicate(
  subject: { name: string; digest: `sha256:${string}` },
  predicateType: string,
  predicate: unknown,
  signing: SigningOptions,
  source = '<predicate>',
): Promise<{ statement: Statement<Record<string, unknown>>; bundle: SerializedBundle }> {
  await assertPredicate(predicateType, predicate, source);
  const statement = toStatement({
    subjects: [{ name: subject.name, digest: { sha256: subject.digest.slice('sha256:'.length) } }],
    predicateType,
    predicate: predicate as Record<string, unknown>,
  });
  return { statement, bundle: await signStatement(statement, signing) };
}
