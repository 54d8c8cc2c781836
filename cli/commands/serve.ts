import { readFile, stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { InputError } from '../../src/error.ts';
import { ExitError, type ExitCode } from '../exit.ts';
import { addStoreOption, collect, storeFrom, type StoreFlags } from '../options.ts';
import type { Output } from '../output.ts';

interface ServeFlags extends StoreFlags {
  policy: string;
  policyKey: string;
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  decisionKey?: string;
  deadlineMs: string;
  maxBodyBytes: string;
  namespaceStage?: string[];
  tufCacheDir?: string;
  policyPollSeconds?: string;
  workers: string;
  decisionCache?: string;
}

export function registerServe(program: Command, _output: Output): void {
  addStoreOption(
    program
      .command('serve')
      .description('serve decisions over HTTP(S): a decision API, a Kubernetes admission webhook, progressive-delivery hooks, health and metrics; JSON logs on stderr'),
    'the attestation store the evidence is read from (a fleet of replicas shares a postgres:// store)',
  )
    .requiredOption('--policy <bundle.tar.gz>', 'the signed policy bundle (read again on SIGHUP, with the TLS certificate; a bundle that does not verify is refused and the old one keeps serving)')
    .requiredOption('--policy-key <file.pub>', "the policy team's public key")
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8443')
    .option('--tls-cert <file.pem>', 'serve HTTPS with this certificate (with --tls-key)')
    .option('--tls-key <file.pem>', "the certificate's private key")
    .option('--decision-key <file.key>', "sign a record of every decision made (one of the policy's decision_signers); the store keeps it before the answer is sent")
    .option('--deadline-ms <ms>', "answer without a decision (a denial at admission) after this long; keep it under the webhook's timeoutSeconds", '8000')
    .option('--max-body-bytes <n>', 'largest request body read; larger ones are answered 413', String(3 * 1024 * 1024))
    .addOption(new Option('--namespace-stage <namespace=stage>', 'the stage of admission requests from a namespace, when the webhook path names none; repeatable').argParser(collect))
    .option('--policy-poll-seconds <n>', 'also reload the policy (and the TLS certificate) when its file changes, looking this often (a ConfigMap or Secret update sends no SIGHUP)')
    .option('--tuf-cache-dir <dir>', "cache of TUF metadata and trusted roots, for the policy's keyless signers")
    .option('--decision-cache <n>', 'decisions kept per server process, default 10000 (0: none, so each request is decided afresh; identical requests at once still share one)')
    .option('--workers <n>', 'server processes sharing the address, to use that many cores (each a whole server; one that dies is started again; metrics cover them all)', '1')
    .action(async (flags: ServeFlags) => {
      const listen = parseListen(flags.listen);
      const deadlineMs = wholeNumber(flags.deadlineMs, '--deadline-ms');
      const pollSeconds = flags.policyPollSeconds === undefined ? undefined : wholeNumber(flags.policyPollSeconds, '--policy-poll-seconds');
      const maxBodyBytes = wholeNumber(flags.maxBodyBytes, '--max-body-bytes');
      const workers = wholeNumber(flags.workers, '--workers');
      // 0 keeps no decisions; absent, the service's default.
      const cacheCapacity = flags.decisionCache === undefined ? undefined : wholeNumber(flags.decisionCache, '--decision-cache', 0);
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new InputError({ code: 'USAGE', message: '--tls-cert and --tls-key go together' });
      const namespaceStages = Object.fromEntries(
        (flags.namespaceStage ?? []).map((pair) => {
          const match = /^([a-z0-9][a-z0-9-]*)=([A-Za-z0-9][A-Za-z0-9_.-]*)$/.exec(pair);
          if (match === null) throw new InputError({ code: 'USAGE', message: `--namespace-stage: expected namespace=stage, got ${JSON.stringify(pair)}` });
          return [match[1]!, match[2]!];
        }),
      );
      // Everything read from files is read before listening: a bad file is exit 2, never a server half up.
      const tls = flags.tlsCert === undefined ? undefined : { cert: await readPEM(flags.tlsCert), key: await readPEM(flags.tlsKey!) };
      const [{ readPolicyKey }, { PolicySource }, { DecisionService, DEFAULT_DECISION_CACHE }, { GatehouseServer, stderrLog }, { ServeMetrics }] = await Promise.all([
        import('../../src/policy/bundle.ts'),
        import('../../src/serve/policy-source.ts'),
        import('../../src/serve/decisions.ts'),
        import('../../src/serve/server.ts'),
        import('../../src/serve/metrics.ts'),
      ]);
      const recordSigner = flags.decisionKey === undefined ? undefined : { signer: await (await import('../../src/sign/key/key-signer.ts')).readKeySigner(flags.decisionKey), source: flags.decisionKey };
      const policyKeyObject = await readPolicyKey(flags.policyKey);
      const policies = new PolicySource({ path: flags.policy, policyKey: policyKeyObject, verifiedCacheSize: 4096, ...(flags.tufCacheDir === undefined ? {} : { tufCacheDirectory: flags.tufCacheDir }) });
      const loaded = (await policies.load()).policy;
      const { demoKeysWarning } = await import('../../src/policy/demo-keys.ts');
      const warning = demoKeysWarning(policyKeyObject, (loaded.engine.bundle.data['gatehouse'] ?? {}) as Parameters<typeof demoKeysWarning>[1]);
      if (warning !== undefined) stderrLog({ level: 'warn', msg: warning });
      // A record signer the policy would not trust is refused before serving: its records could never be replayed.
      if (recordSigner !== undefined && !loaded.engine.signers.mayRecordDecisions(recordSigner.signer.identity)) {
        throw new InputError({ code: 'KEY_INVALID', message: `not one of the policy's decision_signers (${(loaded.engine.data.decision_signers ?? []).join(', ') || 'none'}); its records could not be replayed`, path: flags.decisionKey });
      }
      const cluster = workers > 1 ? await import('../../src/serve/cluster.ts') : undefined;
      if (cluster !== undefined && !cluster.isServeWorker()) {
        // The primary checked every file above (a bad one is exit 2 before any worker starts); the workers serve.
        const code = await cluster.runWorkers(workers, stderrLog);
        if (code !== 0) throw new ExitError(code as ExitCode);
        stderrLog({ level: 'info', msg: 'stopped' });
        return;
      }
      try {
        const store = await storeFrom(flags);
        const metrics = new ServeMetrics();
        metrics.reloads.inc({ result: 'loaded' });
        const decisions = new DecisionService({ policies, store, cache: { ...DEFAULT_DECISION_CACHE, capacity: cacheCapacity ?? DEFAULT_DECISION_CACHE.capacity }, ...(recordSigner === undefined ? {} : { recordSigner }) });
        const server = new GatehouseServer({
          decisions,
          policies,
          metrics,
          log: stderrLog,
          deadlineMs,
          maxBodyBytes,
          namespaceStages,
          ...(tls === undefined ? {} : { tls }),
          ...(cluster === undefined ? {} : { exposition: cluster.clusterExposition(metrics.registry) }),
        });
        await server.listen(listen.port, listen.host);
        // A rotated serving certificate is read again with the policy; one that cannot be read or does not load keeps the old.
        const reloadCertificate = async () => {
          if (flags.tlsCert === undefined) return;
          try {
            server.replaceCertificate({ cert: await readPEM(flags.tlsCert), key: await readPEM(flags.tlsKey!) });
          } catch (error) {
            stderrLog({ level: 'error', msg: 'certificate refused; the certificate in use keeps serving', problem: error instanceof InputError ? error.toString() : String(error) });
          }
        };
        const polls = pollSeconds === undefined ? [] : [watchFile(flags.policy, pollSeconds * 1000, () => void server.reload()), ...(flags.tlsCert === undefined ? [] : [watchFile(flags.tlsCert, pollSeconds * 1000, () => void reloadCertificate())])];
        await new Promise<void>((resolve) => {
          const reload = () => {
            void server.reload();
            void reloadCertificate();
          };
          let stopping = false;
          // Stopping once: a second signal (a worker hears its primary's SIGTERM after the terminal's SIGINT) must not end it abruptly.
          const stop = () => {
            if (stopping) return;
            stopping = true;
            process.off('SIGHUP', reload);
            for (const poll of polls) clearInterval(poll);
            void server.close().then(() => store.close()).then(resolve, resolve);
          };
          process.on('SIGHUP', reload);
          process.on('SIGTERM', stop);
          process.on('SIGINT', stop);
        });
        stderrLog({ level: 'info', msg: 'stopped' });
      } finally {
        // A worker leaves its cluster however it ended, or its channel to the primary keeps it running.
        cluster?.leaveCluster();
      }
    });
}

// Calls `changed` when the file at `path` is replaced or rewritten (its inode, size or modification time differ); a file that cannot be read now is left to the reload to report.
function watchFile(path: string, intervalMs: number, changed: () => void): NodeJS.Timeout {
  let last: string | undefined;
  const look = async () => {
    const info = await stat(path).catch(() => undefined);
    const seen = info === undefined ? 'missing' : `${info.ino}:${info.size}:${info.mtimeMs}`;
    if (last !== undefined && seen !== last) changed();
    last = seen;
  };
  void look();
  const timer = setInterval(() => void look(), intervalMs);
  timer.unref();
  return timer;
}

// host:port, [v6]:port or :port (all interfaces).
function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]*)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) throw new InputError({ code: 'USAGE', message: `--listen: expected host:port, got ${JSON.stringify(value)}` });
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

// A flag's whole number, at least `least` (by default 1).
function wholeNumber(value: string, flag: string, least = 1): number {
  const number = Number(value);
  const expected = least === 0 ? 'a whole number' : 'a positive whole number';
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < least) throw new InputError({ code: 'USAGE', message: `${flag}: expected ${expected}, got ${JSON.stringify(value)}` });
  return number;
}

async function readPEM(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new InputError({ code: 'FILE_NOT_FOUND', message: 'cannot read the file', path, cause });
  }
  if (!bytes.includes('-----BEGIN ')) throw new InputError({ code: 'KEY_INVALID', message: 'not a PEM file', path });
  return bytes;
}
