import { CIContextProvider, FulcioSigner, RekorWitness, TSAWitness, type IdentityProvider, type Witness } from '@sigstore/sign';
import { SigningError } from '../error.ts';
import type { Signer } from '../signer.ts';

/** Public-good Sigstore endpoints, used unless a private instance is named. */
export const SIGSTORE_PUBLIC_GOOD = {
  fulcioURL: 'https://fulcio.sigstore.dev',
  rekorURL: 'https://rekor.sigstore.dev',
  tsaURL: 'https://timestamp.sigstore.dev',
} as const;

export interface KeylessOptions {
  /** An OIDC identity token; when absent the ambient CI token (GitHub Actions, Buildkite, SIGSTORE_ID_TOKEN) is used. */
  identityToken?: string;
  fulcioURL?: string;
  rekorURL?: string;
  /** Ask a timestamp authority too; off by default because the Rekor entry already timestamps the signature. */
  tsaURL?: string;
  /** Rekor entry kind for the DSSE envelope: 'dsse' (default) or the older 'intoto', for instances that predate dsse entries. */
  rekorEntryType?: 'dsse' | 'intoto';
  /** Network timeout per request in milliseconds. */
  timeout?: number;
}

/** A signer and the witnesses that make its short-lived certificate verifiable later. */
export interface KeylessSigning {
  signer: Signer;
  witnesses: Witness[];
}

/**
 * Keyless signing: an ephemeral key certified by Fulcio for the OIDC identity,
 * the signature logged in Rekor (and optionally timestamped by a TSA).
 */
export function keylessSigning(options: KeylessOptions = {}): KeylessSigning {
  const fetchOptions = { timeout: options.timeout ?? 30_000, retry: { retries: 2 } };
  const signer = new FulcioSigner({
    fulcioBaseURL: options.fulcioURL ?? SIGSTORE_PUBLIC_GOOD.fulcioURL,
    identityProvider: identityProvider(options.identityToken),
    ...fetchOptions,
  });
  const witnesses: Witness[] = [
    new RekorWitness({ rekorBaseURL: options.rekorURL ?? SIGSTORE_PUBLIC_GOOD.rekorURL, entryType: options.rekorEntryType ?? 'dsse', ...fetchOptions }),
  ];
  if (options.tsaURL !== undefined) {
    witnesses.push(new TSAWitness({ tsaBaseURL: options.tsaURL, ...fetchOptions }));
  }
  return { signer, witnesses };
}

function identityProvider(token: string | undefined): IdentityProvider {
  if (token !== undefined) {
    return { getToken: async () => token };
  }
  const ambient = new CIContextProvider('sigstore');
  return {
    async getToken() {
      try {
        return await ambient.getToken();
      } catch (cause) {
        throw new SigningError({ code: 'IDENTITY_TOKEN_MISSING', message: `no identity token for keyless signing: ${whereTokensWereSought()}`, cause });
      }
    },
  };
}

// Where sigstore-js looks for an ambient token, and whether each place was
// there to ask, so a failed CI job's log says which setting it lacks
// (sigstore-js itself only says "CI: no tokens available").
function whereTokensWereSought(env: NodeJS.ProcessEnv = process.env): string {
  const state = (present: boolean) => (present ? 'set, but no token came back' : 'not set');
  const isSet = (name: string) => (env[name] ?? '') !== '';
  return [
    'no --identity-token was given, and none of the ambient sources gave one:',
    `GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN, which a job gets with "permissions: id-token: write": ${state(isSet('ACTIONS_ID_TOKEN_REQUEST_URL') && isSet('ACTIONS_ID_TOKEN_REQUEST_TOKEN'))});`,
    `Buildkite (BUILDKITE=true and buildkite-agent: ${state(env['BUILDKITE'] === 'true')});`,
    `SIGSTORE_ID_TOKEN (${state(isSet('SIGSTORE_ID_TOKEN'))})`,
  ].join(' ');
}
