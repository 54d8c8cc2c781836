import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign';
import type { Witness } from '@sigstore/sign';
import { IN_TOTO_PAYLOAD_TYPE, writtenStatementValidator, type Statement } from '../attest/statement.ts';
import { canonicalJSON } from '../canonical/json.ts';
import { SigningError } from './error.ts';
import type { Signer } from './signer.ts';
import { describeThrown } from '../error.ts';

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
