import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLES } from './paths.ts';

const template = JSON.parse(readFileSync(join(BUNDLES, 'integrity-ecdsa-p256.sigstore.json'), 'utf8'));

/**
 * A bundle whose statement names `subjects`, with a signature over another
 * statement: what a store indexes (claims, unverified) without the cost of
 * signing. `nonce` makes distinct bytes. Evidence of nothing to a decision.
 */
export function claimingBundle(subjects: string[], nonce: string | number = 0, predicateType = 'https://example.com/p/v1', evaluatedAt?: string, predicate: Record<string, unknown> = {}): Buffer {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: subjects.map((hex, i) => ({ name: `m${i}`, digest: { sha256: hex } })),
    predicateType,
    predicate: { nonce, ...predicate, ...(evaluatedAt === undefined ? {} : { evaluatedAt }) },
  };
  return Buffer.from(`${JSON.stringify({ ...template, dsseEnvelope: { ...template.dsseEnvelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') } })}\n`);
}
