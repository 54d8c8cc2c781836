import { cpSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import golden from '../fixtures/golden/model-signing-digests.json' with { type: 'json' };
import { BUNDLES, KEYS, MODEL_TREE, ROOT, gatehouse, temporaryDirectory } from '../helpers.ts';
import { POLICY_PUB, buildTestBundle } from '../support/policy.ts';

const GOLDEN_BUNDLE = join(BUNDLES, 'integrity-ecdsa-p256.sigstore.json');

/** Bad input: exit 2 and exactly one line on stderr, naming what was wrong, no stack trace. */
function expectBadInput(result: ReturnType<typeof gatehouse>, mentions: string | RegExp): void {
  expect(result.status, result.stdout + result.stderr).toBe(2);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(typeof mentions === 'string' ? new RegExp(mentions.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : mentions);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('gatehouse CLI', () => {
  describe('keygen', () => {
    it('writes a 0600 PKCS#8 key and an SPKI public key, and never overwrites them', async () => {
      const prefix = join(await temporaryDirectory(), 'gate');
      const result = gatehouse(['keygen', '--out', prefix, '--alg', 'ed25519', '--json']);
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ algorithm: 'ed25519', keyId: expect.stringMatching(/^SHA256:/) });
      expect(statSync(`${prefix}.key`).mode & 0o777).toBe(0o600);
      expect(readFileSync(`${prefix}.key`, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(readFileSync(`${prefix}.pub`, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      const before = readFileSync(`${prefix}.key`, 'utf8');
      expectBadInput(gatehouse(['keygen', '--out', prefix]), `${prefix}.key: already exists`);
      expect(readFileSync(`${prefix}.key`, 'utf8')).toBe(before);
    });

    it('refuses an unknown algorithm', () => {
      expect(gatehouse(['keygen', '--out', '/tmp/x', '--alg', 'rsa']).status).toBe(2);
    });
  });

  describe('digest', () => {
    it('prints the model-signing digest of a directory, by files or shards', () => {
      expect(gatehouse(['digest', MODEL_TREE]).stdout).toBe(`sha256:${golden.files.digest}\n`);
      expect(gatehouse(['digest', MODEL_TREE, '--shard-size', String(golden.shardSize)]).stdout).toBe(`sha256:${golden.shards.digest}\n`);
      const json = JSON.parse(gatehouse(['digest', MODEL_TREE, '--json']).stdout);
      expect(json).toMatchObject({ digest: `sha256:${golden.files.digest}`, kind: 'directory', resources: golden.files.resources });
    });

    it('reports a missing path and a bad shard size as bad input', () => {
      expectBadInput(gatehouse(['digest', '/nonexistent/model']), '/nonexistent/model: no such file or directory');
      expectBadInput(gatehouse(['digest', MODEL_TREE, '--shard-size', '0']), '--shard-size');
    });
  });

  describe('attest and verify-attestation', () => {
    it('round-trips, and names the signer', async () => {
      const dir = await temporaryDirectory();
      writeFileSync(join(dir, 'p.json'), '{"score": 0.93}');
      const out = join(dir, 'out.sigstore.json');
      const attest = gatehouse(['attest', '--subject', `sha256:${golden.files.digest}`, '--predicate-type', 'https://example.com/eval/v1', '--predicate', join(dir, 'p.json'), '--signing-key', join(KEYS, 'ecdsa-p256.key'), '--out', out]);
      expect(attest.status, attest.stderr).toBe(0);
      const verify = gatehouse(['verify-attestation', out, '--trusted-key', join(KEYS, 'ecdsa-p256.pub'), '--subject', MODEL_TREE]);
      expect(verify.status, verify.stderr).toBe(0);
      expect(verify.stdout).toMatch(/signer: +key:SHA256:/);
      expect(verify.stdout).toContain('https://example.com/eval/v1');
    });

    it('refuses a predicate that breaks its gatehouse schema, before signing', async () => {
      const dir = await temporaryDirectory();
      writeFileSync(join(dir, 'p.json'), '{"gate": "integrity", "verdict": "maybe"}');
      const out = join(dir, 'out.sigstore.json');
      expectBadInput(
        gatehouse(['attest', '--subject', MODEL_TREE, '--predicate-type', 'https://gatehouse.dev/attestations/integrity/v1', '--predicate', join(dir, 'p.json'), '--signing-key', join(KEYS, 'ecdsa-p256.key'), '--out', out]),
        `${join(dir, 'p.json')}: not a valid`,
      );
      expect(existsSync(out)).toBe(false);
    });

    it('refuses a missing predicate file, naming it, and a missing signer choice', async () => {
      const dir = await temporaryDirectory();
      expectBadInput(gatehouse(['attest', '--subject', MODEL_TREE, '--predicate-type', 'https://e.com/p', '--predicate', join(dir, 'nope.json'), '--signing-key', join(KEYS, 'ecdsa-p256.key'), '--out', join(dir, 'o')]), `${join(dir, 'nope.json')}: no such file`);
      writeFileSync(join(dir, 'p.json'), '{}');
      expectBadInput(gatehouse(['attest', '--subject', MODEL_TREE, '--predicate-type', 'https://e.com/p', '--predicate', join(dir, 'p.json'), '--out', join(dir, 'o')]), 'exactly one of --signing-key FILE and --keyless');
    });

    describe('when --keyless has no identity token', () => {
      it('exits 2 before signing, saying where it looked for one', async () => {
        const dir = await temporaryDirectory();
        writeFileSync(join(dir, 'p.json'), '{}');
        const out = join(dir, 'out.sigstore.json');
        const noAmbientToken = { ACTIONS_ID_TOKEN_REQUEST_URL: undefined, ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined, BUILDKITE: undefined, SIGSTORE_ID_TOKEN: undefined };
        // An unreachable Fulcio: the token is missing before any service is asked.
        const result = gatehouse(['attest', '--subject', `sha256:${golden.files.digest}`, '--predicate-type', 'https://e.com/p', '--predicate', join(dir, 'p.json'), '--keyless', '--fulcio-url', 'http://127.0.0.1:9', '--out', out], { env: noAmbientToken });
        expectBadInput(result, /^gatehouse: no identity token for keyless signing: no --identity-token was given/);
        for (const place of ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'id-token: write', 'BUILDKITE=true', 'SIGSTORE_ID_TOKEN (not set)']) expect(result.stderr).toContain(place);
        expect(existsSync(out)).toBe(false);
        const json = gatehouse(['attest', '--subject', `sha256:${golden.files.digest}`, '--predicate-type', 'https://e.com/p', '--predicate', join(dir, 'p.json'), '--keyless', '--fulcio-url', 'http://127.0.0.1:9', '--out', out, '--json'], { env: noAmbientToken });
        expect(json.status).toBe(2);
        expect(JSON.parse(json.stdout)).toMatchObject({ error: { exitCode: 2, code: 'IDENTITY_TOKEN_MISSING' } });
      });
    });

    it('exits 1 when the bundle does not verify with the given key', () => {
      const result = gatehouse(['verify-attestation', GOLDEN_BUNDLE, '--trusted-key', join(KEYS, 'untrusted.pub')]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/verification failed: .*does not verify with any trusted key/);
    });

    it('prints the verified statement with --json', () => {
      const result = gatehouse(['verify-attestation', GOLDEN_BUNDLE, '--trusted-key', join(KEYS, 'ecdsa-p256.pub'), '--json']);
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ verified: true, signer: { kind: 'key' }, statement: { subject: [{ digest: { sha256: golden.files.digest } }] } });
    });

    describe('when handed malformed input', () => {
      it('rejects truncated JSON, a wrong media type and two signatures with exit 2', async () => {
        const dir = await temporaryDirectory();
        const bytes = readFileSync(GOLDEN_BUNDLE);
        const truncated = join(dir, 'truncated.json');
        writeFileSync(truncated, bytes.subarray(0, 300));
        expectBadInput(gatehouse(['verify-attestation', truncated, '--trusted-key', join(KEYS, 'ecdsa-p256.pub')]), `${truncated}: not valid JSON`);

        const bundle = JSON.parse(bytes.toString());
        const mediaType = join(dir, 'media-type.json');
        writeFileSync(mediaType, JSON.stringify({ ...bundle, mediaType: 'application/json' }));
        expectBadInput(gatehouse(['verify-attestation', mediaType, '--trusted-key', join(KEYS, 'ecdsa-p256.pub')]), `${mediaType}: not a Sigstore DSSE bundle: at /mediaType`);

        const twice = structuredClone(bundle);
        twice.dsseEnvelope.signatures.push(twice.dsseEnvelope.signatures[0]);
        const twoSignatures = join(dir, 'two.json');
        writeFileSync(twoSignatures, JSON.stringify(twice));
        expectBadInput(gatehouse(['verify-attestation', twoSignatures, '--trusted-key', join(KEYS, 'ecdsa-p256.pub')]), `${twoSignatures}: not a Sigstore DSSE bundle: at /dsseEnvelope/signatures`);
      });

      it('rejects a 200 MB file quickly, without reading it', async () => {
        const huge = join(await temporaryDirectory(), 'huge.json');
        writeFileSync(huge, '');
        truncateSync(huge, 200 * 1024 * 1024);
        const started = performance.now();
        expectBadInput(gatehouse(['verify-attestation', huge, '--trusted-key', join(KEYS, 'ecdsa-p256.pub')]), `${huge}: file is 209715200 bytes`);
        expect(performance.now() - started).toBeLessThan(5000);
      });

      it('rejects a key file that is not a key, and a missing trust choice', () => {
        expectBadInput(gatehouse(['verify-attestation', GOLDEN_BUNDLE, '--trusted-key', GOLDEN_BUNDLE]), `${GOLDEN_BUNDLE}: not a PEM public key`);
        expectBadInput(gatehouse(['verify-attestation', GOLDEN_BUNDLE]), 'no trusted signer');
      });

      it('rejects unknown commands and flags with exit 2', () => {
        expect(gatehouse(['frobnicate']).status).toBe(2);
        expect(gatehouse(['digest', MODEL_TREE, '--skip-checks']).status).toBe(2);
      });

      it('with --json, also reports an error as a JSON object on stdout, with the same exit code', () => {
        const bad = gatehouse(['verify-attestation', GOLDEN_BUNDLE, '--trusted-key', GOLDEN_BUNDLE, '--json']);
        expect(bad.status).toBe(2);
        expect(bad.stderr).toMatch(new RegExp(`^gatehouse: ${GOLDEN_BUNDLE}: not a PEM public key.*\\n$`));
        const line = bad.stderr.slice('gatehouse: '.length, -1);
        expect(JSON.parse(bad.stdout)).toEqual({ error: { exitCode: 2, code: 'KEY_INVALID', message: line, path: GOLDEN_BUNDLE } });
        const usage = gatehouse(['digest', MODEL_TREE, '--skip-checks', '--json']);
        expect(usage.status).toBe(2);
        expect(JSON.parse(usage.stdout)).toEqual({ error: { exitCode: 2, code: 'commander.unknownOption', message: "error: unknown option '--skip-checks'" } });
        // Without --json, stdout stays empty.
        expect(gatehouse(['verify-attestation', GOLDEN_BUNDLE, '--trusted-key', GOLDEN_BUNDLE]).stdout).toBe('');
      });
    });
  });

  describe('gate integrity', () => {
    it('exits 0 and stores the attestation when the digest matches, 1 when it does not', async () => {
      const store = await temporaryDirectory();
      const pass = gatehouse(['gate', 'integrity', MODEL_TREE, '--expected', `sha256:${golden.files.digest}`, '--signing-key', join(KEYS, 'ecdsa-p256.key'), '--store', store, '--at', '2026-11-22T09:00:00Z']);
      expect(pass.status, pass.stderr).toBe(0);
      const location = /attestation: (.+)/.exec(pass.stdout)![1]!;
      expect(location.startsWith(join(store, `sha256-${golden.files.digest}`))).toBe(true);
      const verify = gatehouse(['verify-attestation', location, '--trusted-key', join(KEYS, 'ecdsa-p256.pub'), '--json']);
      expect(JSON.parse(verify.stdout).statement.predicate).toMatchObject({ verdict: 'pass', evaluatedAt: '2026-11-22T09:00:00Z' });

      const fail = gatehouse(['gate', 'integrity', MODEL_TREE, '--expected', `sha256:${'00'.repeat(32)}`, '--signing-key', join(KEYS, 'ecdsa-p256.key'), '--store', store]);
      expect(fail.status).toBe(1);
      expect(fail.stdout).toMatch(/integrity: fail[\s\S]*differs from the recorded/);
    });

    it('rejects a malformed expected digest or time before doing anything', async () => {
      const out = join(await temporaryDirectory(), 'a.json');
      expectBadInput(gatehouse(['gate', 'integrity', MODEL_TREE, '--expected', 'abc', '--signing-key', join(KEYS, 'ecdsa-p256.key'), '--out', out]), '--expected');
      expectBadInput(gatehouse(['gate', 'integrity', MODEL_TREE, '--expected', `sha256:${golden.files.digest}`, '--signing-key', join(KEYS, 'ecdsa-p256.key'), '--out', out, '--at', 'yesterday']), '--at');
      expect(existsSync(out)).toBe(false);
    });
  });

  describe('where a gate writes', () => {
    const integrity = (...where: string[]) => gatehouse(['gate', 'integrity', MODEL_TREE, '--expected', `sha256:${golden.files.digest}`, '--signing-key', join(KEYS, 'ecdsa-p256.key'), ...where]);

    it('says a directory, or a file where a folder should be, is bad input (exit 2)', async () => {
      const dir = await temporaryDirectory();
      const file = join(dir, 'a-file');
      writeFileSync(file, 'kept');
      for (const [where, line] of [
        [['--out', dir], `gatehouse: ${dir}: is a directory: name a file to write\n`],
        [['--out', join(file, 'x.json')], `gatehouse: ${file}: is a file, not a folder\n`],
        [['--store', file], `gatehouse: ${file}: is a file, not a folder\n`],
        [['--store', join(file, 'deeper')], `gatehouse: ${file}: is a file, not a folder\n`],
      ] as const) {
        const result = integrity(...where);
        expect([result.status, result.stderr], where.join(' ')).toEqual([2, line]);
      }
      expect(readFileSync(file, 'utf8')).toBe('kept');
      expect(readdirSync(dir)).toEqual(['a-file']);
    });

    it('still takes the old flag names (--key for --signing-key, verify-attestation --key for --trusted-key), never both at once', async () => {
      const dir = await temporaryDirectory();
      const old = gatehouse(['gate', 'integrity', MODEL_TREE, '--expected', `sha256:${golden.files.digest}`, '--key', join(KEYS, 'ecdsa-p256.key'), '--out', join(dir, 'old.json')]);
      expect(old.status, old.stderr).toBe(0);
      const both = gatehouse(['gate', 'integrity', MODEL_TREE, '--expected', `sha256:${golden.files.digest}`, '--key', join(KEYS, 'ecdsa-p256.key'), '--signing-key', join(KEYS, 'ecdsa-p256.key'), '--out', join(dir, 'both.json')]);
      expect(both.status).toBe(2);
      expect(existsSync(join(dir, 'both.json'))).toBe(false);
      expect(gatehouse(['verify-attestation', join(dir, 'old.json'), '--key', join(KEYS, 'ecdsa-p256.pub')]).status).toBe(0);
      expect(gatehouse(['verify-attestation', join(dir, 'old.json'), '--trusted-key', join(KEYS, 'ed25519.pub')]).status).toBe(1);
      expect(gatehouse(['verify-attestation', join(dir, 'old.json'), '--key', join(KEYS, 'ecdsa-p256.pub'), '--trusted-key', join(KEYS, 'ecdsa-p256.pub')]).status).toBe(2);
    });

    it('writes the verdict as JUnit, SARIF, JSON, YAML and Markdown reports with --output, and refuses a bad one before the gate runs', async () => {
      const dir = await temporaryDirectory();
      const outputs = ['junit', 'sarif', 'json', 'yaml', 'markdown'].flatMap((format) => ['--output', `${format}=${join(dir, 'reports', `gate.${format}`)}`]);
      const failing = gatehouse(['gate', 'integrity', MODEL_TREE, '--expected', `sha256:${'00'.repeat(32)}`, '--signing-key', join(KEYS, 'ecdsa-p256.key'), '--store', join(dir, 'store'), ...outputs]);
      expect(failing.status, failing.stderr).toBe(1);
      const report = (format: string) => readFileSync(join(dir, 'reports', `gate.${format}`), 'utf8');
      expect(report('junit')).toMatch(/<testsuite name="gatehouse gate integrity sha256:[0-9a-f]{64}: FAIL" tests="1" failures="1"/);
      expect(report('junit')).toMatch(/<failure type="fail" message="artifact digest sha256:[0-9a-f]{64} differs from the recorded sha256:0{64}"/);
      const sarif = JSON.parse(report('sarif'));
      expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['gate_fail']);
      expect(sarif.runs[0].tool.driver.rules).toEqual([{ id: 'gate_fail', shortDescription: { text: 'integrity gate: fail' } }]);
      const json = JSON.parse(report('json'));
      expect(json).toMatchObject({ gate: 'integrity', verdict: 'fail', attestation: expect.stringContaining(join(dir, 'store')) });
      expect(report('yaml')).toMatch(/^gate: integrity\nverdict: fail\n/);
      expect(report('markdown')).toMatch(/^# Integrity gate: FAIL/);
      const passing = gatehouse(['gate', 'integrity', MODEL_TREE, '--expected', `sha256:${golden.files.digest}`, '--signing-key', join(KEYS, 'ecdsa-p256.key'), '--store', join(dir, 'store'), '--output', `junit=${join(dir, 'pass.xml')}`]);
      expect(passing.status, passing.stderr).toBe(0);
      expect(readFileSync(join(dir, 'pass.xml'), 'utf8')).toMatch(/tests="1" failures="0"/);
      const bad = gatehouse(['gate', 'integrity', MODEL_TREE, '--expected', `sha256:${golden.files.digest}`, '--signing-key', join(KEYS, 'ecdsa-p256.key'), '--store', join(dir, 'other'), '--output', `html=${join(dir, 'x.html')}`]);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/--output: expected FORMAT=FILE/);
      expect(existsSync(join(dir, 'other'))).toBe(false);
    });

    it('refuses --out with --store rather than ignore one of them', async () => {
      const dir = await temporaryDirectory();
      const result = integrity('--out', join(dir, 'a.json'), '--store', join(dir, 'store'));
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("option '--out <file.sigstore.json>' cannot be used with option '--store <uri>'");
      expect(readdirSync(dir)).toEqual([]);
    });

    it('appends its verdict to GITHUB_STEP_SUMMARY when the variable is set', async () => {
      const dir = await temporaryDirectory();
      const summary = join(dir, 'summary.md');
      const expected = ['--expected', `sha256:${golden.files.digest}`];
      const args = ['gate', 'integrity', MODEL_TREE, '--signing-key', join(KEYS, 'ecdsa-p256.key'), '--store', join(dir, 'store')];
      expect(gatehouse([...args, ...expected], { env: { GITHUB_STEP_SUMMARY: summary } }).status).toBe(0);
      const failed = gatehouse([...args, '--expected', `sha256:${'0'.repeat(64)}`], { env: { GITHUB_STEP_SUMMARY: summary } });
      expect(failed.status).toBe(1);
      const text = readFileSync(summary, 'utf8');
      expect(text).toMatch(new RegExp(`^# Integrity gate: PASS\\n\\nModel sha256\\\\:${golden.files.digest}\\n\\n`));
      expect(text).toMatch(/\n# Integrity gate: FAIL\n\nModel sha256\\:[0-9a-f]{64}\n\n## Why\n\n- /);
    });

    it('creates the folders --out names, as keygen does', async () => {
      const out = join(await temporaryDirectory(), 'new', 'deeper', 'integrity.json');
      const result = integrity('--out', out);
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(readFileSync(out, 'utf8')).mediaType).toMatch(/^application\/vnd\.dev\.sigstore\.bundle/);
    });
  });

  describe('a reader that closes stdout early', () => {
    it('ends the command with its own exit code and no EPIPE stack trace', async () => {
      const { spawn } = await import('node:child_process');
      const closed = async (args: string[]) => {
        const child = spawn(process.execPath, [join(ROOT, 'cli', 'gatehouse.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.destroy();
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
        return [status, stderr] as const;
      };
      for (const args of [['--help'], ['digest', MODEL_TREE]]) expect(await closed(args), args.join(' ')).toEqual([0, '']);
      // A verification that fails keeps exit 1, with its own line and no stack trace.
      const [status, stderr] = await closed(['verify-attestation', GOLDEN_BUNDLE, '--trusted-key', join(KEYS, 'ed25519.pub'), '--json']);
      expect(status).toBe(1);
      expect(stderr).not.toMatch(/EPIPE|node:internal/);
    });
  });

  describe('gate provenance', () => {
    let policy: Awaited<ReturnType<typeof buildTestBundle>>;
    beforeAll(async () => {
      // A policy whose data trusts the test model signer to sign models.
      policy = await buildTestBundle((data) => {
        data.signers['model-author'] = { kind: 'key', public_key: readFileSync(join(KEYS, 'model-signer.pub'), 'utf8') };
        data.model_signers = ['model-author'];
      });
    }, 60_000);
    afterAll(() => policy?.cleanup());

    it('exits 0 for a model signed by a signer the policy trusts and 1 after tampering', async () => {
      const model = join(await temporaryDirectory(), 'model');
      cpSync(MODEL_TREE, model, { recursive: true });
      cpSync(join(BUNDLES, 'model-signing-key.sig'), join(model, 'model.sig'));
      const args = ['gate', 'provenance', model, '--policy', policy.path, '--policy-key', POLICY_PUB, '--signing-key', join(KEYS, 'ed25519.key'), '--out', join(model, '..', 'p.json')];
      const pass = gatehouse(args);
      expect(pass.status, pass.stdout + pass.stderr).toBe(0);
      writeFileSync(join(model, 'a.txt'), 'changed');
      const fail = gatehouse(args);
      expect(fail.status).toBe(1);
      expect(fail.stdout).toContain('a.txt (digest-differs)');
    });

    it('fails a model signed by a key the policy does not name in model_signers', async () => {
      const model = join(await temporaryDirectory(), 'model');
      cpSync(MODEL_TREE, model, { recursive: true });
      cpSync(join(BUNDLES, 'model-signing-key.sig'), join(model, 'model.sig'));
      const result = gatehouse(['gate', 'provenance', model, '--policy', join(ROOT, 'bundles', 'gatehouse.tar.gz'), '--policy-key', POLICY_PUB, '--signing-key', join(KEYS, 'ed25519.key'), '--out', join(model, '..', 'p.json')]);
      expect(result.status, result.stderr).toBe(1);
      expect(result.stdout).toMatch(/provenance: fail[\s\S]*does not verify with any trusted key/);
    });
  });

  describe('demo', () => {
    it('runs end to end and shows a passing and a failing model', async () => {
      const result = gatehouse(['demo', '--dir', await temporaryDirectory()]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/candidate A +regression PASS/);
      expect(result.stdout).toMatch(/candidate B +regression FAIL\n +- slice capability:math/);
      expect(result.stdout).toMatch(/candidate B +safety +FAIL[\s\S]*over-refusal/);
      expect(result.stdout).toMatch(/ALLOWED: sha256:[0-9a-f]{64} to staging/);
      expect(result.stdout).toMatch(/DENIED: sha256:[0-9a-f]{64} to staging/);
      expect(result.stdout).toMatch(/identical/);
      // Candidate C: as accurate as A, backdoored; the scan names the trigger and the policy denies it.
      expect(result.stdout).toMatch(/candidate C +regression PASS/);
      expect(result.stdout).toMatch(/candidate C +backdoor +FAIL\n +- trigger marker-deployment \(format-marker\)/);
      expect(result.stdout).toMatch(/\[backdoor_trigger_stands_out\] backdoor: trigger marker-deployment changed the candidate/);
      expect(result.stdout).toMatch(/candidate A +robustness PASS/);
      expect(result.stdout).toMatch(/canary of candidate A \(.*canary-A\.metrics\.json\): PASS/);
      expect(result.stdout).toMatch(/ROLLBACK of candidate B: error_rate failed/);
      expect(result.stdout).toMatch(/ALLOWED: candidate A to production \(canary pass, score 100\)/);
      expect(result.stdout).toMatch(/candidate A +data-provenance PASS\n +candidate A +redteam +PASS/);
      expect(result.stdout).toMatch(/candidate A +provenance FAIL/);
      expect(result.stdout).toContain('Demo complete');
    });

    it('says what it did as JSON with --json, and nothing else on stdout', async () => {
      const dir = await temporaryDirectory();
      const result = gatehouse(['demo', '--dir', dir, '--json']);
      expect(result.status, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary).toMatchObject({ complete: true, dir, policy: join(dir, 'policy.tar.gz'), record: { replayIdentical: true } });
      expect(summary.decisions.candidateAStaging).toEqual({ allowed: true, violations: [] });
      expect(summary.decisions.candidateBStaging.allowed).toBe(false);
      expect(summary.decisions.candidateCStaging).toEqual({ allowed: false, violations: ['backdoor_trigger_stands_out', 'gate_not_passed'] });
      expect(summary.decisions.candidateAProduction).toEqual({ allowed: true, violations: [] });
      expect(summary.canary).toEqual({ A: 'pass', B: { verdict: 'fail', rolledBack: true } });
      expect(summary.decisions.tamperedStaging.allowed).toBe(false);
      expect(summary.decisions.forgedStaging.allowed).toBe(false);
      expect(summary.models.A).toMatch(/^sha256:[0-9a-f]{64}$/);
    });
  });
});
