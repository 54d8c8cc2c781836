import type { SerializedBundle } from '@sigstore/bundle';
import { InputError } from '../error.ts';
import { parseJSON } from '../io/read.ts';

/**
 * The one way gatehouse writes a Sigstore bundle to bytes (two-space JSON and
 * a newline), whether to a store, a file or an HTTP answer; what is stored is
 * these bytes, exactly.
 */
export function serializeBundle(bundle: SerializedBundle | object): Buffer {
  return Buffer.from(`${JSON.stringify(bundle, null, 2)}\n`, 'utf8');
}

/** What a bundle claims about itself, read without verifying it: for indexing and finding, never for deciding. */
export interface BundleClaims {
  /** sha256 (hex) of every subject of its statement. */
  subjects: string[];
  predicateType: string | null;
  /** The predicate's evaluatedAt as milliseconds, when it has a readable one. */
  evaluatedAtMs: number | null;
}

/**
 * Reads the statement inside a DSSE bundle's envelope without verifying the
 * signature. A store indexes by these claims; every decision verifies the
 * bundle again, so a false claim only files a bundle where it is judged and
 * refused.
 */
export function bundleClaims(bytes: Buffer, source: string): BundleClaims {
  const bundle = parseJSON(bytes, source) as { dsseEnvelope?: { payload?: unknown } } | null;
  const payload = bundle?.dsseEnvelope?.payload;
  if (typeof payload !== 'string') throw new InputError({ code: 'BUNDLE_MALFORMED', message: 'not a DSSE bundle: no dsseEnvelope.payload', path: source });
  const statement = parseJSON(Buffer.from(payload, 'base64'), `${source}: payload`) as { subject?: unknown; predicateType?: unknown; predicate?: { evaluatedAt?: unknown } } | null;
  const subjects = Array.isArray(statement?.subject)
    ? statement.subject.flatMap((subject: { digest?: { sha256?: unknown } } | null) => {
        const sha256 = subject?.digest?.sha256;
        return typeof sha256 === 'string' && /^[0-9a-f]{64}$/.test(sha256) ? [sha256] : [];
      })
    : [];
  const evaluatedAt = statement?.predicate?.evaluatedAt;
  const evaluatedAtMs = typeof evaluatedAt === 'string' ? Date.parse(evaluatedAt) : Number.NaN;
  return {
    subjects: [...new Set(subjects)],
    predicateType: typeof statement?.predicateType === 'string' ? statement.predicateType : null,
    evaluatedAtMs: Number.isFinite(evaluatedAtMs) ? evaluatedAtMs : null,
  };
}
