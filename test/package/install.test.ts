// gatehouse as a user gets it: packed with `npm pack`, installed into a
// project outside the checkout, run as a command and imported as a library
// from JavaScript and from TypeScript.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.ts';

const NAME = '@gatehouse-ml/gatehouse';
const STALE = 'stale-module-from-an-older-build.js';
let work: string;
let project: string;
let tarball: string;
// The demo the package ran (first test), whose signed chain the later tests decide again.
let demoRun: { dir: string; summary: { store: string; policy: string; models: { A: string; B: string; deployed: string } } } | undefined;
// Node 24 and npm as the repository runs them: the `node` devDependency first on PATH.
const env = { ...process.env, PATH: [join(ROOT, 'node_modules', '.bin'), process.env['PATH']].join(delimiter), npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
const run = (command: string, args: string[], cwd = project) => spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gatehouse-install-'));
  // A module an older build left behind, which the build (run by npm pack) must clear.
  mkdirSync(join(ROOT, 'dist', 'src', 'gates'), { recursive: true });
  writeFileSync(join(ROOT, 'dist', 'src', 'gates', STALE), 'export {};\n');
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as Array<{ filename: string }>;
  tarball = join(work, packed[0]!.filename);
  project = join(work, 'consumer');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  // A TypeScript consumer of a Node library has Node's types, as ours does.
  const nodeTypes = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies['@types/node'] as string;
  const installed = run('npm', ['install', '--no-save', '--ignore-scripts', tarball, `@types/node@${nodeTypes}`]);
  if (installed.status !== 0) throw new Error(`npm install failed: ${installed.stderr}`);
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

type Command = (...args: string[]) => { status: number | null; stdout: string; stderr: string };

// With `command`, makes a key pair named `name`, digests `model`, signs its integrity gate and
// verifies that attestation; returns the digest.
function signsAndVerifies(command: Command, name: string, model: string): string {
  expect(command('keygen', '--out', join(project, name)).status).toBe(0);
  const digest = command('digest', model).stdout.trim();
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  const gate = command('gate', 'integrity', model, '--expected', digest, '--signing-key', join(project, `${name}.key`), '--json');
  expect(gate.status, gate.stderr).toBe(0);
  const verified = command('verify-attestation', JSON.parse(gate.stdout).attestation, '--trusted-key', join(project, `${name}.pub`), '--subject', model);
  expect(verified.status, verified.stderr).toBe(0);
  return digest;
}

// Each test runs npm, npx and whole CLI commands one after another: minutes on a loaded machine, not a hang.
describe('the packed package, installed outside the checkout', { timeout: 300_000 }, () => {
  it('ships the built library and what it reads, and no private key, test, bench or script', () => {
    const listing = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(listing).toContain('package/dist/bundle/gatehouse.js');
    // Each command is one file the bin picks (a cold start loads one module, not dozens).
    expect(listing).toContain('package/dist/bundle/command-verify-attestation.js');
    expect(listing).toContain('package/dist/bundle/command-all.js');
    // The single executable is its own download, never part of the npm package.
    expect(listing.filter((path) => path.startsWith('package/dist/sea/'))).toEqual([]);
    // The build starts from an empty dist/: nothing an older build wrote is packed.
    expect(listing.filter((path) => path.endsWith(STALE))).toEqual([]);
    expect(listing.filter((path) => /^package\/dist\/bundle\/precompiled\/[0-9a-f]{32}\.cjs$/.test(path)).length).toBeGreaterThanOrEqual(30);
    expect(listing).toContain('package/dist/src/index.d.ts');
    expect(listing).toContain('package/bundles/gatehouse.tar.gz');
    expect(listing).toContain('package/LICENSE');
    expect(listing.filter((path) => /\.key$|^package\/(test|bench|scripts|src|cli)\//.test(path))).toEqual([]);
    expect(listing.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it('runs as `npx gatehouse`: signs, verifies and decides with keys of the user\'s own', () => {
    const gatehouse = (...args: string[]) => run('npx', ['--no-install', 'gatehouse', ...args]);
    expect(gatehouse('--version').stdout.trim()).toBe('0.1.0');
    writeFileSync(join(project, 'model.bin'), 'weights');
    const digest = signsAndVerifies(gatehouse, 'me', join(project, 'model.bin'));
    // The shipped example bundle decides (and says it trusts published demo keys).
    const pkg = join(project, 'node_modules', ...NAME.split('/'));
    const decided = gatehouse('verify', '--subject', digest, '--store', join(project, 'attestations'), '--policy', join(pkg, 'bundles', 'gatehouse.tar.gz'), '--policy-key', join(pkg, 'examples', 'keys', 'policy-team.pub'), '--stage', 'development');
    // Evidence signed by a key the example policy does not trust is evidence of nothing.
    expect(decided.status, decided.stderr).toBe(1);
    expect(decided.stdout).toMatch(/^DENIED: /);
    expect(decided.stderr).toMatch(/trusts \d+ demo keys/);
    expect(readdirSync(join(pkg, 'examples', 'keys')).filter((name) => name.endsWith('.key'))).toEqual([]);
    // The demo generates every key it signs with, so it runs from the package as from a clone.
    const demoed = gatehouse('demo', '--dir', join(project, 'demo'), '--json');
    expect(demoed.status, demoed.stderr).toBe(0);
    const summary = JSON.parse(demoed.stdout);
    expect(summary.complete).toBe(true);
    demoRun = { dir: join(project, 'demo'), summary };
    // The approval workflow from the package, on the demo's store: status, the review page, the audit.
    const demoPolicy = ['--store', summary.store, '--policy', summary.policy, '--policy-key', join(project, 'demo', 'policy-team.pub')];
    const status = gatehouse('approval', 'status', '--subject', summary.models.A, '--stage', 'production-canary', ...demoPolicy, '--json');
    expect(status.status, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).requests.map((request: { state: string }) => request.state)).toEqual(['approved']);
    const review = gatehouse('approval', 'review', summary.approval.requests.B, ...demoPolicy, '--html', join(project, 'review.html'));
    expect(review.status, review.stderr).toBe(0);
    expect(readFileSync(join(project, 'review.html'), 'utf8')).toContain('id="diff-summary"');
    const audit = gatehouse('approval', 'audit', ...demoPolicy, '--json');
    expect(audit.status, audit.stderr).toBe(0);
    expect(JSON.parse(audit.stdout).approvers.map((approver: { approver: string }) => approver.approver)).toEqual(['approver-alice', 'approver-bob', 'approver-carol']);
    // The canary gate from the package, on the demo's recorded metrics (signed with the user's own key).
    const recorded = JSON.parse(readFileSync(join(project, 'demo', 'canary-A.metrics.json'), 'utf8')) as { answers: Array<{ start: number; end: number; step: number }> };
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
    const window = `${iso(recorded.answers[0]!.start - recorded.answers[0]!.step)}/${iso(recorded.answers[0]!.end)}`;
    const canary = gatehouse('gate', 'canary', '--subject', summary.models.A, '--deployed', summary.models.deployed, '--metrics', join(project, 'demo', 'canary-A.metrics.json'), '--window', window, '--policy', summary.policy, '--policy-key', join(project, 'demo', 'policy-team.pub'), '--signing-key', join(project, 'me.key'), '--out', join(project, 'canary.sigstore.json'), '--report-dir', join(project, 'reports'));
    expect(canary.status, canary.stderr).toBe(0);
    expect(canary.stdout).toMatch(/canary: pass/);
    // The whole chain to production, decided from the package: every gate, the production approvals and the canary.
    const production = gatehouse('verify', '--subject', summary.models.A, '--stage', 'production', '--deployed', summary.models.deployed, ...demoPolicy);
    expect(production.status, production.stdout + production.stderr).toBe(0);
    expect(production.stdout).toMatch(/^ALLOWED: /);
  });

  it('validates with the schemas precompiled at build time, never loading the Ajv compiler, and still refuses what breaks them', () => {
    writeFileSync(join(project, 'bundle.json'), readFileSync(join(ROOT, 'test', 'fixtures', 'bundles', 'integrity-ecdsa-p256.sigstore.json')));
    const broken = JSON.parse(readFileSync(join(project, 'bundle.json'), 'utf8'));
    broken.mediaType = 'application/vnd.example+json';
    writeFileSync(join(project, 'broken.json'), JSON.stringify(broken));
    writeFileSync(join(project, 'check.mjs'), `import { createRequire } from 'node:module';
import { verifyAttestationFile, readTrustedKeys } from '${NAME}';
const trust = { keys: await readTrustedKeys([${JSON.stringify(join(ROOT, 'test', 'fixtures', 'keys', 'ecdsa-p256.pub'))}]) };
const verified = await verifyAttestationFile('bundle.json', trust);
const refused = await verifyAttestationFile('broken.json', trust).then(() => 'accepted', (error) => error.message);
const compiler = Object.keys(createRequire(import.meta.url).cache).filter((path) => /ajv[\\/]dist[\\/](2020|core|compile)/.test(path));
console.log(JSON.stringify({ predicateType: verified.statement.predicateType, refused, compiler }));
`);
    const result = run('node', ['check.mjs']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ predicateType: 'https://gatehouse.dev/attestations/integrity/v1', refused: expect.stringMatching(/not a Sigstore DSSE bundle: at \/mediaType/), compiler: [] });
  });

  it('imports as a library from JavaScript', () => {
    writeFileSync(join(project, 'use.mjs'), `import { decidePromotion, openStore, gateRegistry, ENGINE } from '${NAME}';\nconsole.log(typeof decidePromotion, openStore('attestations').uri.startsWith('file:'), gateRegistry.all().map((g) => g.name).join(','), ENGINE.name);\n`);
    const result = run('node', ['use.mjs']);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('function true integrity,provenance,regression,safety,bias,robustness,backdoor,data-provenance,redteam,approval,canary gatehouse');
  });

  // skipLibCheck as most projects set it (sigstore-js's own declarations name modules it does not
  // ship types for); the @ts-expect-error line proves gatehouse's types are real, not any.
  it('type-checks as a library from TypeScript', () => {
    writeFileSync(join(project, 'use.ts'), `import { openStore, type AttestationStore, type PromotionRequest, type GateDefinition } from '${NAME}';\nconst store: AttestationStore = openStore('attestations');\nconst gate: GateDefinition = { name: 'mine', predicateType: 'https://example.com/mine/v1', predicateSchema: {}, policyBound: true };\nexport const request: Partial<PromotionRequest> = { store, stage: 'staging' };\nexport { gate };\n// @ts-expect-error: the store contract has no such method\nstore.remove('x');\n`);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'es2024', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, files: ['use.ts'] }));
    const result = run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
  // The chain the demo signed, decided for production by `command`: the whole decision, every gate.
  function decidesTheDemoChain(command: Command): void {
    if (demoRun === undefined) throw new Error('the demo test did not run');
    const { dir, summary } = demoRun;
    const decided = command('verify', '--subject', summary.models.A, '--stage', 'production', '--deployed', summary.models.deployed, '--store', summary.store, '--policy', summary.policy, '--policy-key', join(dir, 'policy-team.pub'));
    expect(decided.status, decided.stdout + decided.stderr).toBe(0);
    expect(decided.stdout).toMatch(/^ALLOWED: /);
    const denied = command('verify', '--subject', summary.models.B, '--stage', 'staging', '--store', summary.store, '--policy', summary.policy, '--policy-key', join(dir, 'policy-team.pub'));
    expect(denied.status, denied.stderr).toBe(1);
    expect(denied.stdout).toMatch(/^DENIED: /);
  }

  it('installs and runs on the oldest Node.js its engines field admits, and refuses an older one in one line with exit 3', () => {
    // The floor is the first range of engines (`^22.22.2 || …`), the oldest release gatehouse admits.
    const floor = /^\^(\d+\.\d+\.\d+) \|\| /.exec(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node as string)?.[1];
    expect(readFileSync(join(ROOT, 'scripts', 'install-tools.sh'), 'utf8')).toContain(`NODE_FLOOR_VERSION=${floor}\n`);
    const nodeBin = (version: string) => join(ROOT, '.tools', 'node', version, 'node_modules', '.bin');
    // A project of its own, where `node` (and so npm and the gatehouse bin) is the floor release.
    const onFloorEnv = { ...env, PATH: [nodeBin(floor!), process.env['PATH']].join(delimiter) };
    const floorProject = join(work, 'floor-consumer');
    execFileSync('mkdir', ['-p', floorProject]);
    writeFileSync(join(floorProject, 'package.json'), JSON.stringify({ name: 'floor-consumer', version: '1.0.0', private: true, type: 'module' }));
    const inFloor = (command: string, args: string[]) => spawnSync(command, args, { cwd: floorProject, env: onFloorEnv, encoding: 'utf8', timeout: 240_000 });
    expect(inFloor('node', ['--version']).stdout.trim()).toBe(`v${floor}`);
    const installed = inFloor('npm', ['install', '--no-save', '--ignore-scripts', '--engine-strict', tarball]);
    expect(installed.status, installed.stderr).toBe(0);
    const onFloor = (...args: string[]) => inFloor('npx', ['--no-install', 'gatehouse', ...args]);
    expect(onFloor('--version').stdout.trim()).toBe('0.1.0');
    writeFileSync(join(floorProject, 'floor.bin'), 'weights on the floor');
    signsAndVerifies(onFloor, 'floor', join(floorProject, 'floor.bin'));
    decidesTheDemoChain(onFloor);
    writeFileSync(join(floorProject, 'use.mjs'), `import { decidePromotion, gateRegistry } from '${NAME}';\nconsole.log(typeof decidePromotion, process.version, gateRegistry.all().length);\n`);
    const library = inFloor('node', ['use.mjs']);
    expect(library.stderr).toBe('');
    expect(library.stdout).toMatch(new RegExp(`^function v${floor!.replaceAll('.', '\\.')} \\d+\\n$`));
    // One release line below the floor: gatehouse's own line, exit 3 (never 1, "denied").
    const bin = join(floorProject, 'node_modules', ...NAME.split('/'), 'dist', 'bundle', 'gatehouse.js');
    const older = spawnSync(join(nodeBin('20.19.5'), 'node'), [bin, 'verify-attestation', 'x.json'], { cwd: floorProject, encoding: 'utf8' });
    expect(older.status).toBe(3);
    expect(older.stderr).toBe('gatehouse: needs Node.js 22.22.2 or a later 22.x, 24.15.0 or a later 24.x, or 26 and later; this is Node.js v20.19.5\n');
    expect(older.stdout).toBe('');
  });

  it('builds as a single executable that runs with no Node.js installed: signs, digests on worker threads, verifies and decides', () => {
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'sea.ts')], { cwd: ROOT, env, encoding: 'utf8', timeout: 240_000 });
    expect(built.status, built.stderr).toBe(0);
    // Copied away from the checkout, run with an empty environment: no PATH, so no node to fall back on.
    const executable = join(work, 'bin', 'gatehouse');
    execFileSync('mkdir', ['-p', join(work, 'bin')]);
    execFileSync('cp', [join(ROOT, 'dist', 'sea', 'gatehouse'), executable]);
    const sea = (...args: string[]) => spawnSync(executable, args, { cwd: project, env: {}, encoding: 'utf8', timeout: 240_000 });
    expect(sea('--version').stdout.trim()).toBe('0.1.0');
    // Above the size where model digests go to worker threads, which the executable runs from its own assets.
    execFileSync('mkdir', ['-p', join(project, 'sea-model')]);
    writeFileSync(join(project, 'sea-model', 'a.safetensors'), Buffer.alloc(40 * 2 ** 20, 1));
    writeFileSync(join(project, 'sea-model', 'b.safetensors'), Buffer.alloc(30 * 2 ** 20, 2));
    const digest = signsAndVerifies(sea, 'sea', join(project, 'sea-model'));
    expect(`${digest}\n`).toBe(run('npx', ['--no-install', 'gatehouse', 'digest', join(project, 'sea-model')]).stdout);
    decidesTheDemoChain(sea);
    // What needs the package's files says so, in one line.
    const demo = sea('demo', '--dir', join(project, 'sea-demo'));
    expect(demo.status).toBe(2);
    expect(demo.stderr).toMatch(/^gatehouse: gatehouse demo needs the files of gatehouse's npm package .*install @gatehouse-ml\/gatehouse\n$/);
  });

  it('serves from the single executable with --workers 2: both workers listen, decide, and stop on SIGTERM', async () => {
    if (demoRun === undefined) throw new Error('the demo test did not run');
    const { dir, summary } = demoRun;
    const executable = join(work, 'bin', 'gatehouse');
    const args = ['serve', '--policy', summary.policy, '--policy-key', join(dir, 'policy-team.pub'), '--store', summary.store, '--listen', '127.0.0.1:0', '--workers', '2'];
    // Port 0 in a cluster: the primary binds one port and hands it to every worker.
    const child = spawn(executable, args, { cwd: project, env: {}, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let logged = '';
    const listening = () => logged.split('\n').filter((line) => line.includes('"msg":"listening"')).map((line) => JSON.parse(line) as { port: number; pid: number });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`workers did not listen: ${logged}`)), 60_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        logged += chunk.toString('utf8');
        if (listening().length === 2) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`the server exited: ${logged}`)));
    });
    const [first, second] = listening();
    expect(first!.pid).not.toBe(second!.pid);
    expect(first!.port).toBe(second!.port);
    const answer = await fetch(`http://127.0.0.1:${first!.port}/v1/decisions`, { method: 'POST', body: JSON.stringify({ subject: summary.models.A, stage: 'production', deployed: summary.models.deployed }) });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { allowed: boolean }).allowed).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
