// An attestation made in GitHub Actions by actions/attest (a recorded public
// bundle: SLSA provenance v1, signed by the public-good Fulcio with GitHub's
// certificate extensions), verified through the CLI as a user meets it: by
// repository, ref and trigger with cosign's flag names, cosign agreeing on the
// same flags; by a SAN pattern; with the trusted root from a TUF repository,
// online and then from its cache; and failing closed (exit 3) when no TUF
// repository answers and nothing usable is cached.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, gatehouse, gatehouseAsync, run, temporaryDirectory, tool } from '../helpers.ts';
import { TUFTestRepository } from '../support/tuf-repository.ts';

const DIR = join(FIXTURES, 'real-world');
const BUNDLE = join(DIR, 'bundles', 'gha-reusable-workflow.v03.json');
const CUSTOM_ISSUER_BUNDLE = join(DIR, 'bundles', 'gha-custom-issuer.v03.json');
const ROOT_FILE = join(DIR, 'trust', 'public-good.trusted_root.json');
const SUBJECT = 'sha256:49a3aa6075e0f49f82843e74b5baa614ad2a588e6675612bf108a0a008c5ac25';
const PREDICATE_TYPE = 'https://slsa.dev/provenance/v1';
const ISSUER = 'https://token.actions.githubusercontent.com';
const OFFLINE = { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9', NO_PROXY: '', no_proxy: '' };

// What the workflow run's certificate says (read from it; see test/fixtures/real-world/README.md).
const WORKFLOW = {
  '--certificate-github-workflow-repository': 'malancas/attest-demo',
  '--certificate-github-workflow-ref': 'refs/heads/main',
  '--certificate-github-workflow-trigger': 'workflow_dispatch',
  '--certificate-github-workflow-sha': '95baf27389e83e6a5c48f42e190d48d7abcea19e',
  '--certificate-github-workflow-name': 'Build / Attest / Verify (Shared)',
};
const SIGNER_PATTERN = 'https://github\\.com/github/artifact-attestations-workflows/\\.github/workflows/attest\\.yml@[0-9a-f]{40}';
const flagsOf = (workflow: Record<string, string>) => Object.entries(workflow).flat();
const identityFlags = (workflow: Record<string, string> = WORKFLOW) => ['--certificate-identity-regexp', SIGNER_PATTERN, '--certificate-oidc-issuer', ISSUER, ...flagsOf(workflow)];
const expectations = ['--subject', SUBJECT, '--predicate-type', PREDICATE_TYPE];

function cosign(bundle: string, flags: string[]) {
  return run(tool('.tools/bin/cosign'), ['verify-blob-attestation', '--bundle', bundle, '--trusted-root', ROOT_FILE, ...flags, '--type', PREDICATE_TYPE, '--digest', SUBJECT.slice('sha256:'.length), '--digestAlg', 'sha256'], { env: { ...process.env, ...OFFLINE } });
}

describe('gatehouse verify-attestation on an actions/attest bundle', () => {
  describe('with the GitHub workflow flags cosign names', () => {
    it('verifies it, and cosign verifies it on the same flags', () => {
      const result = gatehouse(['verify-attestation', BUNDLE, '--trusted-root', ROOT_FILE, ...identityFlags(), ...expectations, '--json']);
      expect(result.status, result.stderr).toBe(0);
      const json = JSON.parse(result.stdout) as { certificate: { extensions: Record<string, string> }; statement: { predicateType: string } };
      expect(json.statement.predicateType).toBe(PREDICATE_TYPE);
      expect(json.certificate.extensions).toMatchObject({ githubWorkflowRepository: 'malancas/attest-demo', runnerEnvironment: 'github-hosted', sourceRepositoryURI: 'https://github.com/malancas/attest-demo' });
      expect(cosign(BUNDLE, identityFlags()).status).toBe(0);
    });

    it.each(Object.keys(WORKFLOW))('refuses it when %s names another value (exit 1, UNTRUSTED_IDENTITY), as cosign does', (flag) => {
      const other = { ...WORKFLOW, [flag]: `${WORKFLOW[flag as keyof typeof WORKFLOW]}-other` };
      const result = gatehouse(['verify-attestation', BUNDLE, '--trusted-root', ROOT_FILE, ...identityFlags(other), ...expectations, '--json']);
      expect(result.status).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({ verified: false, code: 'UNTRUSTED_IDENTITY' });
      expect(cosign(BUNDLE, identityFlags(other)).status).not.toBe(0);
    });

    it('accepts the repository flag in place of a SAN, and never a trigger alone (exit 2)', () => {
      const byRepository = ['--certificate-oidc-issuer', ISSUER, '--certificate-github-workflow-repository', 'malancas/attest-demo'];
      expect(gatehouse(['verify-attestation', BUNDLE, '--trusted-root', ROOT_FILE, ...byRepository, ...expectations]).status).toBe(0);
      const byTrigger = gatehouse(['verify-attestation', BUNDLE, '--trusted-root', ROOT_FILE, '--certificate-oidc-issuer', ISSUER, '--certificate-github-workflow-trigger', 'workflow_dispatch']);
      expect(byTrigger.status).toBe(2);
      expect(byTrigger.stderr).toContain('keyless verification needs --certificate-oidc-issuer (or -regexp) and --certificate-identity (or -regexp, or --certificate-github-workflow-repository)');
    });
  });

  describe('with SAN and issuer patterns', () => {
    it('refuses a pattern that could match every identity or another repository, naming the flag (exit 2)', () => {
      expect(gatehouse(['verify-attestation', BUNDLE, '--trusted-root', ROOT_FILE, ...identityFlags()]).status).toBe(0);
      for (const pattern of ['.*', '^.*$', 'https://github\\.com/.*', 'https://github\\.com/github/artifact-attestations-workflows.*']) {
        const result = gatehouse(['verify-attestation', BUNDLE, '--trusted-root', ROOT_FILE, '--certificate-identity-regexp', pattern, '--certificate-oidc-issuer', ISSUER]);
        expect(result.status, pattern).toBe(2);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expect(result.stderr).toMatch(/^gatehouse: --certificate-identity-regexp: .* is too broad/);
      }
    });

    it('takes a custom issuer (GitHub Enterprise) by an issuer pattern', () => {
      const flags = ['--certificate-identity', 'https://github.com/too-legit/attest/.github/workflows/integration.yml@refs/heads/main', '--certificate-oidc-issuer-regexp', 'https://token\\.actions\\.githubusercontent\\.com/[a-z-]+'];
      expect(gatehouse(['verify-attestation', CUSTOM_ISSUER_BUNDLE, '--trusted-root', ROOT_FILE, ...flags]).status).toBe(0);
      const plain = gatehouse(['verify-attestation', CUSTOM_ISSUER_BUNDLE, '--trusted-root', ROOT_FILE, flags[0]!, flags[1]!, '--certificate-oidc-issuer', ISSUER]);
      expect(plain.status).toBe(1);
    });
  });

  describe('with the trusted root through TUF', () => {
    it('verifies with the root a TUF repository serves, then offline from the cache; with neither it exits 3 saying which', async () => {
      const repository = await TUFTestRepository.start();
      const dir = await temporaryDirectory();
      try {
        repository.publish({ 'trusted_root.json': readFileSync(ROOT_FILE) });
        const tufRoot = join(dir, 'root.json');
        writeFileSync(tufRoot, repository.initialRoot);
        const tuf = (cache: string) => ['--tuf-mirror', repository.url, '--tuf-root', tufRoot, '--tuf-cache-dir', join(dir, cache)];
        const online = await gatehouseAsync(['verify-attestation', BUNDLE, ...tuf('cache'), ...identityFlags(), ...expectations]);
        expect(online.status, online.stderr).toBe(0);
        expect(repository.requests).toContain('targets/trusted_root.json');
        const pinned = createHash('sha256').update(readFileSync(ROOT_FILE)).digest('hex');
        expect(readFileSync(join(dir, 'cache', 'trusted-roots', encodeURIComponent(repository.url), `${pinned}.json`)).equals(readFileSync(ROOT_FILE))).toBe(true);
        await repository.stop();
        expect(gatehouse(['verify-attestation', BUNDLE, ...tuf('cache'), ...identityFlags(), ...expectations]).status).toBe(0);
        const nothing = gatehouse(['verify-attestation', BUNDLE, ...tuf('empty'), ...identityFlags(), ...expectations]);
        expect(nothing.status).toBe(3);
        expect(nothing.stderr).toMatch(new RegExp(`^gatehouse: no trusted root: TUF repository ${repository.url.replace(/\./g, '\\.')} is unreachable .*holds no metadata from it`));
      } finally {
        await repository.stop().catch(() => undefined);
      }
    });

    it('by default takes the public-good root through TUF, cached under XDG_CACHE_HOME (unreachable here: exit 3)', async () => {
      const dir = await temporaryDirectory();
      const result = gatehouse(['verify-attestation', BUNDLE, ...identityFlags(), ...expectations], { env: { XDG_CACHE_HOME: dir } });
      expect(result.status).toBe(3);
      expect(result.stderr).toContain('no trusted root: TUF repository https://tuf-repo-cdn.sigstore.dev is unreachable');
      expect(result.stderr).toContain(join(dir, 'gatehouse', 'tuf'));
    });

    it('refuses --trusted-root beside --tuf-mirror, and --tuf-root alone (exit 2)', () => {
      expect(gatehouse(['verify-attestation', BUNDLE, '--trusted-root', ROOT_FILE, ...identityFlags()]).status).toBe(0);
      const both = gatehouse(['verify-attestation', BUNDLE, '--trusted-root', ROOT_FILE, '--tuf-mirror', 'https://tuf.example.test', ...identityFlags()]);
      expect(both.status).toBe(2);
      expect(both.stderr).toContain('--trusted-root is the trusted root itself');
      const rootAlone = gatehouse(['verify-attestation', BUNDLE, '--tuf-root', ROOT_FILE, ...identityFlags()]);
      expect(rootAlone.status).toBe(2);
      expect(rootAlone.stderr).toContain('--tuf-root goes with --tuf-mirror');
    });
  });
});
