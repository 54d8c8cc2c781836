import { Option, type Command } from 'commander';
import { InputError } from '../src/error.ts';
import { resolveSubject as resolveArtifact, type ArtifactDigest } from '../src/digest/artifact.ts';
import type { SigningOptions } from '../src/sign/attest.ts';
import { progressReporter } from './progress.ts';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import type { CertificateExtensions } from '../src/verify/certificate.ts';
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

/** A subject named by its digest: sha256:HEX, or oci://REGISTRY/REPOSITORY@sha256:HEX once the registry served a manifest with that digest (never a path: nothing is hashed). */
export async function pinnedSubject(value: string, what = '--subject'): Promise<ArtifactDigest> {
  const { isOCIReference, resolveOCISubject } = await import('../src/digest/oci.ts');
  if (isOCIReference(value)) return (await resolveOCISubject(value, { what })).digest;
  const { parseDigest } = await import('../src/digest/artifact.ts');
  return parseDigest(value, what);
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
  tufMirror?: string;
  tufRoot?: string;
  tufCacheDir?: string;
  certificateIdentity?: string[];
  certificateIdentityRegexp?: string[];
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  certificateGithubWorkflowTrigger?: string;
  certificateGithubWorkflowSha?: string;
  certificateGithubWorkflowName?: string;
  certificateGithubWorkflowRepository?: string;
  certificateGithubWorkflowRef?: string;
}

// cosign's --certificate-github-workflow-* flags and the extension each requires exactly.
const WORKFLOW_FLAGS = [
  ['trigger', 'certificateGithubWorkflowTrigger', 'githubWorkflowTrigger', 'event that triggered the workflow (push, release, workflow_dispatch…)'],
  ['sha', 'certificateGithubWorkflowSha', 'githubWorkflowSha', 'commit the workflow ran on'],
  ['name', 'certificateGithubWorkflowName', 'githubWorkflowName', 'workflow name'],
  ['repository', 'certificateGithubWorkflowRepository', 'githubWorkflowRepository', 'repository the workflow ran in (owner/name)'],
  ['ref', 'certificateGithubWorkflowRef', 'githubWorkflowRef', 'git ref the workflow ran on (refs/heads/main, refs/tags/v1)'],
] as const;

/** Declares the keyless trust flags, named as cosign names them, and where the trusted root comes from. */
export function addKeylessTrustOptions(command: Command): Command {
  command
    .option('--trusted-root <file>', 'Sigstore trusted_root.json, for air-gapped use (default: the trusted root through TUF)')
    .option('--tuf-mirror <url>', 'take the trusted root from this TUF repository (default: the Sigstore public-good one); needs --tuf-root')
    .option('--tuf-root <file>', "the --tuf-mirror repository's initial root.json, trusted on first use")
    .option('--tuf-cache-dir <dir>', 'cache of TUF metadata and trusted roots (default: $XDG_CACHE_HOME/gatehouse/tuf)')
    .addOption(new Option('--certificate-identity <san>', 'accepted certificate subject (SAN), exact; repeatable').argParser(collect))
    .addOption(new Option('--certificate-identity-regexp <re>', 'accepted certificate subject, as a pattern anchored at both ends that begins with a literal scheme://host/owner/repository/; repeatable').argParser(collect))
    .addOption(new Option('--certificate-oidc-issuer <url>', 'accepted OIDC issuer of the certificate').conflicts('certificateOidcIssuerRegexp'))
    .option('--certificate-oidc-issuer-regexp <re>', 'accepted OIDC issuer, as a pattern anchored at both ends that begins with a literal scheme://host/');
  for (const [suffix, , , meaning] of WORKFLOW_FLAGS) command.option(`--certificate-github-workflow-${suffix} <value>`, `require the certificate's GitHub ${meaning}, exactly`);
  return command;
}

/** Builds a trust policy from public key files and keyless trust flags; a keyless root not given as a file is taken through TUF. */
export async function trustFrom(keyPaths: string[], flags: TrustFlags): Promise<TrustPolicy> {
  const { narrowPattern } = await import('../src/verify/certificate.ts');
  const subjects: Array<string | RegExp> = [
    ...(flags.certificateIdentity ?? []),
    ...(flags.certificateIdentityRegexp ?? []).map((pattern) => narrowPattern(pattern, 'subject', { what: '--certificate-identity-regexp', code: 'USAGE' })),
  ];
  const issuer = flags.certificateOidcIssuerRegexp === undefined ? flags.certificateOidcIssuer : narrowPattern(flags.certificateOidcIssuerRegexp, 'issuer', { what: '--certificate-oidc-issuer-regexp', code: 'USAGE' });
  const extensions: CertificateExtensions = {};
  for (const [suffix, flag, name] of WORKFLOW_FLAGS) {
    const value = flags[flag];
    if (value === undefined) continue;
    if (value.trim() === '') throw new InputError({ code: 'USAGE', message: `--certificate-github-workflow-${suffix}: empty value` });
    extensions[name] = value;
  }
  const namesSigner = subjects.length > 0 || issuer !== undefined || Object.keys(extensions).length > 0;
  const rootSource = flags.trustedRoot !== undefined || flags.tufMirror !== undefined || flags.tufRoot !== undefined;
  if (keyPaths.length === 0 && !namesSigner && !rootSource) {
    throw new InputError({ code: 'USAGE', message: 'no trusted signer: pass a public key, or --certificate-oidc-issuer with --certificate-identity (or their -regexp forms)' });
  }
  if (flags.trustedRoot !== undefined && (flags.tufMirror !== undefined || flags.tufRoot !== undefined)) {
    throw new InputError({ code: 'USAGE', message: '--trusted-root is the trusted root itself: it goes without --tuf-mirror and --tuf-root' });
  }
  const { readTrustedKeys } = await import('../src/verify/trust.ts');
  const policy: TrustPolicy = { keys: await readTrustedKeys(keyPaths) };
  // With keys, a trusted root alone checks the log entries key-signed bundles carry (npm's
  // publish attestations); it trusts no certificate until a signer is named.
  if (!namesSigner && !rootSource) return policy;
  if (keyPaths.length === 0 || namesSigner) {
    // A repository extension names one repository as a SAN does; a trigger or ref alone names none.
    const namesRepository = subjects.length > 0 || extensions.githubWorkflowRepository !== undefined;
    if (issuer === undefined || !namesRepository) {
      throw new InputError({ code: 'USAGE', message: 'keyless verification needs --certificate-oidc-issuer (or -regexp) and --certificate-identity (or -regexp, or --certificate-github-workflow-repository)' });
    }
  }
  const withExtensions = Object.keys(extensions).length === 0 ? {} : { extensions };
  const identities = issuer === undefined ? [] : subjects.length === 0 ? [{ issuer, ...withExtensions }] : subjects.map((subject) => ({ issuer, subject, ...withExtensions }));
  policy.keyless = { trustedRoot: await trustedRootFrom(flags), identities };
  return policy;
}

// The file given for air-gapped use, else the trusted root through TUF.
async function trustedRootFrom(flags: TrustFlags): Promise<TrustedRoot> {
  if (flags.trustedRoot !== undefined) return (await import('../src/verify/trust.ts')).readTrustedRoot(flags.trustedRoot);
  if (flags.tufRoot !== undefined && flags.tufMirror === undefined) throw new InputError({ code: 'USAGE', message: '--tuf-root goes with --tuf-mirror: it is that repository\'s initial root' });
  const { fetchTUFTrustedRoot } = await import('../src/verify/tuf.ts');
  const fetched = await fetchTUFTrustedRoot({
    ...(flags.tufMirror === undefined ? {} : { mirrorURL: flags.tufMirror }),
    ...(flags.tufRoot === undefined ? {} : { rootPath: flags.tufRoot }),
    ...(flags.tufCacheDir === undefined ? {} : { cacheDirectory: flags.tufCacheDir }),
  });
  return fetched.trustedRoot;
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

/** A --shard-size value: a positive whole number of bytes. */
export function parseShardSize(value: string): number {
  const size = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(size) || size < 1) {
    throw new InputError({ code: 'USAGE', message: `--shard-size: expected a positive whole number of bytes, got ${JSON.stringify(value)}` });
  }
  return size;
}
