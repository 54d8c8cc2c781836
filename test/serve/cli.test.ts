import { copyFile, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTarGz, writeTarGz } from '../../src/policy/tar.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import { gatehouseAsync, temporaryDirectory } from '../helpers.ts';
import { DEMO_KEYS, POLICY_PUB } from '../support/policy.ts';
import { COMPLETE, DEPLOYED, PARTIAL, admissionReviewOf, chains, podServing, putAll, selfSignedCertificate, send, servePolicy, spawnServe, type ServePolicy } from '../support/serve.ts';

let policy: ServePolicy;
let dir: string;
let storeDir: string;

beforeAll(async () => {
  policy = await servePolicy();
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-serve-cli-'));
  storeDir = join(dir, 'store');
  const store = new FileSystemAttestationStore(storeDir);
  const { complete, partial } = await chains(policy.digest);
  await putAll(store, [...complete, ...partial]);
});

afterAll(async () => {
  policy?.cleanup();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('gatehouse serve', () => {
  it('admits a complete chain and denies an incomplete one over HTTPS, reloads on SIGHUP refusing a tampered bundle, and stops on SIGTERM', async () => {
    const work = await temporaryDirectory();
    const tls = selfSignedCertificate(work);
    const policyPath = join(work, 'policy.tar.gz');
    await copyFile(policy.path, policyPath);
    const serve = await spawnServe(['--policy', policyPath, '--policy-key', POLICY_PUB, '--store', `file:${storeDir}`, '--listen', '127.0.0.1:0', '--tls-cert', tls.certPath, '--tls-key', tls.keyPath, '--decision-key', join(DEMO_KEYS, 'decision-recorder.key')], { https: true });
    try {
      expect(serve.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('demo keys') }));
      const admit = (model: string) => send(`${serve.url}/v1/admission/production`, { body: admissionReviewOf(podServing(model, DEPLOYED)), ca: tls.cert });
      const allowed = await admit(COMPLETE);
      expect(allowed.body.response.allowed).toBe(true);
      const denied = await admit(PARTIAL);
      expect(denied.body.response.allowed).toBe(false);
      expect(denied.body.response.status.message).toContain('[');
      // The log line comes through a pipe, maybe after the answer.
      await serve.waitForLog((entry) => entry['msg'] === 'admission' && entry['allowed'] === false);
      // SIGHUP with a tampered bundle in place: refused, logged, the old policy still serves.
      const files = readTarGz(await readFile(policy.path), 'policy');
      files.set('data.json', Buffer.from('{"gatehouse":{}}'));
      await writeFile(policyPath, writeTarGz(files));
      serve.child.kill('SIGHUP');
      const refused = await serve.waitForLog((entry) => entry['msg'] === 'policy refused; the policy in force keeps serving');
      expect(refused['policy']).toBe(`sha256:${policy.digest}`);
      expect((await admit(COMPLETE)).body.response.allowed).toBe(true);
      expect((await send(`${serve.url}/readyz`, { ca: tls.cert })).status).toBe(200);
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toEqual({ code: 0, signal: null });
      expect(serve.logs.at(-1)).toMatchObject({ msg: 'stopped' });
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('reloads a policy file that changed with --policy-poll-seconds (a ConfigMap update sends no signal)', async () => {
    const other = await servePolicy((data) => (data.stages.experimental = { required_gates: ['integrity'] }));
    const work = await temporaryDirectory();
    const policyPath = join(work, 'policy.tar.gz');
    await copyFile(policy.path, policyPath);
    const serve = await spawnServe(['--policy', policyPath, '--policy-key', POLICY_PUB, '--store', `file:${storeDir}`, '--listen', '127.0.0.1:0', '--policy-poll-seconds', '1']);
    try {
      expect((await send(`${serve.url}/readyz`)).body.policy).toBe(`sha256:${policy.digest}`);
      await copyFile(other.path, `${policyPath}.new`);
      await rename(`${policyPath}.new`, policyPath);
      await serve.waitForLog((entry) => entry['msg'] === 'policy loaded' && entry['policy'] === `sha256:${other.digest}`, 10_000);
      expect((await send(`${serve.url}/readyz`)).body.policy).toBe(`sha256:${other.digest}`);
      serve.child.kill('SIGTERM');
      expect((await serve.exited).code).toBe(0);
    } finally {
      serve.child.kill('SIGKILL');
      other.cleanup();
    }
  });

  it('runs --workers processes on one address: each answers, metrics cover them all, a killed worker is replaced, SIGHUP and SIGTERM reach every one', async () => {
    const serve = await spawnServe(['--policy', policy.path, '--policy-key', POLICY_PUB, '--store', `file:${storeDir}`, '--listen', '127.0.0.1:0', '--workers', '2']);
    const listening = () => serve.logs.filter((entry) => entry['msg'] === 'listening');
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      await serve.waitForLog(() => listening().length === 2);
      const [first, second] = listening();
      expect(first!['port']).toBe(second!['port']);
      expect(first!['pid']).not.toBe(second!['pid']);
      expect([first!['pid'], second!['pid']]).not.toContain(serve.child.pid);
      const decide = async (index: number) => (await send(`${serve.url}/v1/decisions`, { body: { subject: index % 2 === 0 ? COMPLETE : PARTIAL, stage: 'production', deployed: DEPLOYED } })).body;
      const answers = await Promise.all(Array.from({ length: 20 }, (_, index) => decide(index)));
      expect(answers.map((answer) => answer.allowed)).toEqual(Array.from({ length: 20 }, (_, index) => index % 2 === 0));
      // /metrics, asked of either worker, counts the decisions of both.
      const counted = (text: string, result: string) => Number(new RegExp(`^gatehouse_decisions_total\\{endpoint="decisions",result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
      for (let ask = 0; ask < 4; ask++) {
        const text = await (await fetch(`${serve.url}/metrics`)).text();
        expect([counted(text, 'allowed'), counted(text, 'denied')]).toEqual([10, 10]);
      }
      // A worker killed outright is replaced; the address keeps answering meanwhile.
      process.kill(first!['pid'] as number, 'SIGKILL');
      await serve.waitForLog((entry) => entry['msg'] === 'worker died; starting another' && entry['pid'] === first!['pid']);
      expect((await decide(0)).allowed).toBe(true);
      await serve.waitForLog(() => listening().length === 3);
      const replacement = listening()[2]!['pid'] as number;
      expect((await decide(1)).allowed).toBe(false);
      // SIGHUP to the primary reaches every worker.
      serve.child.kill('SIGHUP');
      await serve.waitForLog(() => serve.logs.filter((entry) => entry['msg'] === 'policy unchanged').length === 2);
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toEqual({ code: 0, signal: null });
      expect(alive(second!['pid'] as number) || alive(replacement)).toBe(false);
      expect(serve.logs.filter((entry) => entry['msg'] === 'stopped')).toHaveLength(3);
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('exits with the code of a worker that cannot start, as one process would, leaving none behind', async () => {
    const { createServer } = await import('node:net');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const base = ['serve', '--policy', policy.path, '--policy-key', POLICY_PUB, '--store', `file:${storeDir}`, '--listen', `127.0.0.1:${port}`];
      const single = await gatehouseAsync(base);
      const workers = await gatehouseAsync([...base, '--workers', '2']);
      expect(single.status).not.toBe(0);
      expect(workers.status).toBe(single.status);
      expect(workers.stderr).toContain('EADDRINUSE');
    } finally {
      taken.close();
    }
  });

  it('refuses bad flags and a record signer the policy does not trust with exit 2, before listening', async () => {
    const base = ['serve', '--policy', policy.path, '--policy-key', POLICY_PUB, '--store', `file:${storeDir}`, '--listen', '127.0.0.1:0'];
    const lonely = await gatehouseAsync([...base, '--tls-cert', 'cert.pem']);
    expect(lonely.status).toBe(2);
    expect(lonely.stderr).toContain('--tls-cert and --tls-key go together');
    const listen = await gatehouseAsync([...base.slice(0, -1), 'nowhere']);
    expect(listen.status).toBe(2);
    const workers = await gatehouseAsync([...base, '--workers', '0']);
    expect(workers.status).toBe(2);
    expect(workers.stderr).toContain('--workers');
    const cache = await gatehouseAsync([...base, '--decision-cache', '-1']);
    expect(cache.status).toBe(2);
    expect(cache.stderr).toContain('--decision-cache: expected a whole number, got "-1"');
    const untrusted = await gatehouseAsync([...base, '--decision-key', join(DEMO_KEYS, 'approver-alice.key')]);
    expect(untrusted.status).toBe(2);
    expect(untrusted.stderr).toContain("not one of the policy's decision_signers");
    const unsigned = join(await temporaryDirectory(), 'unsigned.tar.gz');
    const files = readTarGz(await readFile(policy.path), 'policy');
    files.delete('.signatures.json');
    await writeFile(unsigned, writeTarGz(files));
    const refused = await gatehouseAsync(['serve', '--policy', unsigned, '--policy-key', POLICY_PUB, '--listen', '127.0.0.1:0']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('no .signatures.json');
  });
});
