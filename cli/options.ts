import { Option, type Command } from 'commander';
import { InputError } from '../src/error.ts';
import { resolveSubject as resolveArtifact, type ArtifactDigest } from '../src/digest/artifact.ts';
import type { SigningOptions } from '../src/sign/attest.ts';
import { progressReporter } from './progress.ts';
import type { TrustPolicy } from '../src/verify/trust.ts';
import { DEFAULT_STORE_DIRECTORY } from '../src/store/fs-store.ts';
import type { AttestationStore } from '../src/store/store.ts';
import type { VerifiedPolicyBundle } from '../src/policy/bundle.ts';
import type { Output } from './output.ts';

// Signing and verification pull in sigstore-js and the schema compiler; they
// are imported when a command needs them so every other command starts fast.

/** Parses an RFC 3339 time given to `flag`. */
export { parseRFC3339 as parseTime } from '../src/time.ts';

/** A subject given as a path (hashed now, with progress on stderr) or as sha256:HEX. */
export function resolveSubject(value: string, name?: string): Promise<{ name: string; digest: ArtifactDigest }> {
  return resolveArtifact(value, { ...(name === undefined ? {} : { name }), onProgress: progressReporter(`digesting ${value}`, 'bytes') });
}

export interface SigningFlags {
  signingKey?: string;
  /** The old name of --signing-key, still accepted. */
  key?: string;
  keyless?: boolean;
  identityToken?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  tsaUrl?: string;
}

/** Declares the flags that choose how a command signs: a local key, or keyless through Sigstore. */
export function addSigningOptions(command: Command): Command {
  return command
    .option('--signing-key <file.key>', 'sign with this PEM private key (from gatehouse keygen)')
    .addOption(new Option('--key <file.key>', 'the old name of --signing-key').hideHelp().conflicts('signingKey'))
    .option('--keyless', 'sign keyless: Fulcio certificate for an OIDC identity, logged in Rekor')
    .option('--identity-token <jwt>', 'OIDC identity token for --keyless (default: the ambient CI token)')
    .option('--fulcio-url <url>', 'Fulcio instance for --keyless')
    .option('--rekor-url <url>', 'Rekor instance for --keyless')
    .option('--tsa-url <url>', 'also timestamp --keyless signatures with this RFC 3161 authority');
}

/** Builds the signer the flags ask for; exactly one of --signing-key and --keyless. */
export async function signingFrom(flags: SigningFlags): Promise<SigningOptions> {
  const keyPath = flags.signingKey ?? flags.key;
  if ((keyPath === undefined) === (flags.keyless !== true)) {
    throw new InputError({ code: 'USAGE', message: 'pass exactly one of --signing-key FILE and --keyless' });
  }
  if (keyPath !== undefined) {
    const { readKeySigner } = await import('../src/sign/key/key-signer.ts');
    return { signer: await readKeySigner(keyPath) };
  }
  const { keylessSigning } = await import('../src/sign/keyless/keyless.ts');
  return keylessSigning({
    ...(flags.identityToken === undefined ? {} : { identityToken: flags.identityToken }),
    ...(flags.fulcioUrl === undefined ? {} : { fulcioURL: flags.fulcioUrl }),
    ...(flags.rekorUrl === undefined ? {} : { rekorURL: flags.rekorUrl }),
    ...(flags.tsaUrl === undefined ? {} : { tsaURL: flags.tsaUrl }),
  });
}

export interface TrustFlags {
  trustedRoot?: string;
  certificateIdentity?: string[];
  certificateIdentityRegexp?: string[];
  certificateOidcIssuer?: string;
}

/** Declares the keyless trust flags, named as cosign names them. */
export function addKeylessTrustOptions(command: Command): Command {
  return command
    .option('--trusted-root <file>', 'Sigstore trusted_root.json: certificate-signed bundles, and log entries in key-signed ones')
    .addOption(new Option('--certificate-identity <san>', 'accepted certificate subject (SAN), exact; repeatable').argParser(collect))
    .addOption(new Option('--certificate-identity-regexp <re>', 'accepted certificate subject, as a whole-string pattern; repeatable').argParser(collect))
    .option('--certificate-oidc-issuer <url>', 'accepted OIDC issuer of the certificate');
}

/** Builds a trust policy from public key files and keyless trust flags. */
export async function trustFrom(keyPaths: string[], flags: TrustFlags): Promise<TrustPolicy> {
  const identities = [
    ...(flags.certificateIdentity ?? []).map((subject) => subject as string | RegExp),
    ...(flags.certificateIdentityRegexp ?? []).map((pattern) => toRegExp(pattern)),
  ];
  const wantsKeyless = flags.trustedRoot !== undefined || identities.length > 0 || flags.certificateOidcIssuer !== undefined;
  if (keyPaths.length === 0 && !wantsKeyless) {
    throw new InputError({ code: 'USAGE', message: 'no trusted signer: pass a public key, or --trusted-root with --certificate-identity and --certificate-oidc-issuer' });
  }
  const { readTrustedKeys, readTrustedRoot } = await import('../src/verify/trust.ts');
  const policy: TrustPolicy = { keys: await readTrustedKeys(keyPaths) };
  if (wantsKeyless) {
    // With keys, a trusted root alone checks the log entries key-signed bundles carry (npm's
    // publish attestations); it trusts no certificate until identities are named.
    const rootForKeysOnly = keyPaths.length > 0 && identities.length === 0 && flags.certificateOidcIssuer === undefined;
    if (flags.trustedRoot === undefined || (!rootForKeysOnly && (identities.length === 0 || flags.certificateOidcIssuer === undefined))) {
      throw new InputError({ code: 'USAGE', message: 'keyless verification needs --trusted-root, --certificate-identity (or -regexp) and --certificate-oidc-issuer together' });
    }
    const issuer = flags.certificateOidcIssuer;
    policy.keyless = {
      trustedRoot: await readTrustedRoot(flags.trustedRoot),
      identities: issuer === undefined ? [] : identities.map((subject) => ({ issuer, subject })),
    };
  }
  return policy;
}

export interface StoreFlags {
  store: string;
  /** The old name of --store, still accepted. */
  attestations?: string;
}

/** Declares --store: the attestation store a command reads or writes (a URI such as file:DIR, or a directory). */
export function addStoreOption(command: Command, role: string): Command {
  return command
    .option('--store <uri>', `${role} (file:DIR, a directory, or postgres://…; PG* environment variables fill in what the URI leaves out)`, DEFAULT_STORE_DIRECTORY)
    .addOption(new Option('--attestations <dir>', 'the old name of --store').hideHelp().conflicts('store'));
}

/** Opens the store the flags name. */
export async function storeFrom(flags: StoreFlags): Promise<AttestationStore> {
  const { openStore } = await import('../src/store/open.ts');
  return openStore(flags.attestations ?? flags.store);
}

/**
 * Reads the signed policy bundle, verified against the policy team's key:
 * thresholds, signers and the decision come only from it. With `output`, a
 * policy that trusts a published demo key is named on stderr.
 */
export async function loadPolicy(flags: { policy: string; policyKey: string }, output?: Output): Promise<VerifiedPolicyBundle> {
  const { readPolicyBundle, readPolicyKey } = await import('../src/policy/bundle.ts');
  const policyKey = await readPolicyKey(flags.policyKey);
  const bundle = await readPolicyBundle(flags.policy, policyKey);
  if (output !== undefined) {
    const { demoKeysWarning } = await import('../src/policy/demo-keys.ts');
    const warning = demoKeysWarning(policyKey, (bundle.data['gatehouse'] ?? {}) as Parameters<typeof demoKeysWarning>[1]);
    if (warning !== undefined) output.err(`gatehouse: ${warning}`);
  }
  return bundle;
}

/** Commander argParser for repeatable options. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function toRegExp(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    throw new InputError({ code: 'USAGE', message: `--certificate-identity-regexp: not a valid pattern: ${pattern}` });
  }
}

/** A --shard-size value: a positive whole number of bytes. */
export function parseShardSize(value: string): number {
  const size = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(size) || size < 1) {
    throw new InputError({ code: 'USAGE', message: `--shard-size: expected a positive whole number of bytes, got ${JSON.stringify(value)}` });
  }
  return size;
}
