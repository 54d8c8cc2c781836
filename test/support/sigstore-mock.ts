// In-process Sigstore for tests: Fulcio, Rekor and a TSA from @sigstore/mock,
// answered through nock, and the trusted root that verifies what they issue.
import { X509Certificate, createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler } from '@sigstore/mock';
import nock from 'nock';
import { keylessSigning, type KeylessSigning } from '../../src/sign/keyless/keyless.ts';

export const FULCIO = 'https://fulcio.gatehouse.test';
export const REKOR = 'https://rekor.gatehouse.test';
export const TSA = 'https://tsa.gatehouse.test';
export const ISSUER = 'https://token.actions.githubusercontent.com';
export const SUBJECT = 'https://github.com/acme/models/.github/workflows/release.yml@refs/heads/main';

type Handler = { path: string; fn: (body: string) => Promise<{ statusCode: number; response: string | ArrayBufferView; contentType?: string }> };

function serve(base: string, handler: Handler): void {
  nock(base)
    .persist()
    .post(handler.path)
    .reply(async (_uri, body) => {
      const result = await handler.fn(typeof body === 'string' ? body : JSON.stringify(body));
      return [result.statusCode, result.response as never, { 'Content-Type': result.contentType ?? 'text/plain' }];
    });
}

function keyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/** An unsigned OIDC token with these claims; the mock Fulcio reads, but does not verify, it. */
export function identityToken(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ aud: 'sigstore', iat: 1, exp: 4102444800, ...claims })}.`;
}

// Set only by tests and CI runs that check the harness under load; it makes setup slower, never a check weaker.
function setupDelayFromEnvironment(): number {
  const text = process.env['GATEHOUSE_TEST_SIGSTORE_SETUP_DELAY_MS'];
  if (text === undefined || text === '') return 0;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`GATEHOUSE_TEST_SIGSTORE_SETUP_DELAY_MS must be a whole number of milliseconds, not ${JSON.stringify(text)}`);
  return value;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// A harness whose authorities are not yet valid at its own clock would make
// every keyless verification fail, and "should reject" tests pass for that reason.
function assertValidAt(clock: Date, certificates: Record<string, ArrayBufferView>): void {
  for (const [name, der] of Object.entries(certificates)) {
    const from = new X509Certificate(Buffer.from(der.buffer, der.byteOffset, der.byteLength)).validFromDate;
    if (from > clock) throw new Error(`mock Sigstore: the ${name} certificate is valid from ${from.toISOString()}, after the clock ${clock.toISOString()}`);
  }
}

export function b64(bytes: ArrayBufferView | Buffer): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export interface MockSigstore {
  trustedRoot: TrustedRoot;
  /** Keyless signing through the mocks for an identity (default: ISSUER and SUBJECT). */
  signing(claims?: Record<string, unknown>, options?: { withTSA?: boolean }): KeylessSigning;
  /** A fresh CA the trusted root does not hold. */
  otherCARoot(): Promise<ArrayBufferView>;
  stop(): void;
}

export interface MockSigstoreOptions {
  /**
   * Milliseconds to sleep while the services are set up, before and after their
   * certificates are made, as a loaded machine would. Defaults to the
   * GATEHOUSE_TEST_SIGSTORE_SETUP_DELAY_MS environment variable (read only by
   * this harness), else 0.
   */
  setupDelayMs?: number;
}

/** Starts the mocks (nock intercepts their hosts; no other network is allowed meanwhile). */
export async function startMockSigstore(options: MockSigstoreOptions = {}): Promise<MockSigstore> {
  const delayMs = options.setupDelayMs ?? setupDelayFromEnvironment();
  nock.disableNetConnect();
  // One clock for every service, in whole seconds: the mock TSA writes
  // milliseconds into genTime in a form sigstore-js does not parse, and every
  // certificate must be valid at the timestamps. The services read this Date
  // on each request; it is set only once they exist, because @sigstore/mock
  // makes its root and TSA certificates valid from new Date() at setup, and a
  // clock fixed earlier falls before them whenever setup crosses a second.
  const clock = new Date(0);
  await sleep(delayMs);
  const ctKeys = keyPair();
  const tlogKeys = keyPair();
  const ctlog = await initializeCTLog(ctKeys, clock);
  const ca = await initializeCA(keyPair(), ctlog, clock);
  const tlog = await initializeTLog(REKOR, tlogKeys, clock);
  const tsa = await initializeTSA(keyPair(), clock);
  clock.setTime(Math.floor(Date.now() / 1000) * 1000);
  assertValidAt(clock, { 'Fulcio root': ca.rootCertificate, 'TSA root': tsa.rootCertificate, 'TSA signing': tsa.intCertificate });
  await sleep(delayMs);
  serve(FULCIO, fulcioHandler(ca) as Handler);
  serve(REKOR, rekorHandler(tlog) as Handler);
  serve(TSA, tsaHandler(tsa) as Handler);

  const validFor = { start: '2000-01-01T00:00:00Z' };
  const logKey = (publicKey: Buffer) => ({
    publicKey: { rawBytes: publicKey.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor },
    logId: { keyId: createHash('sha256').update(publicKey).digest('base64') },
  });
  const trustedRoot = TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{ baseUrl: REKOR, hashAlgorithm: 'SHA2_256', ...logKey(tlog.publicKey) }],
    ctlogs: [{ baseUrl: 'https://ctfe.gatehouse.test', hashAlgorithm: 'SHA2_256', ...logKey(ctlog.publicKey) }],
    certificateAuthorities: [{ uri: FULCIO, certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] }, validFor }],
    timestampAuthorities: [{ uri: TSA, certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] }, validFor }],
  });
  return {
    trustedRoot,
    // The mock Rekor stores a proposed entry as sent, without the canonical
    // form real Rekor gives 'dsse' entries, so the mocks log 'intoto' entries,
    // which it stores exactly as real Rekor does.
    signing: (claims = { iss: ISSUER, sub: SUBJECT }, options = {}) =>
      keylessSigning({ identityToken: identityToken(claims), fulcioURL: FULCIO, rekorURL: REKOR, rekorEntryType: 'intoto', ...(options.withTSA ? { tsaURL: TSA } : {}) }),
    otherCARoot: async () => (await initializeCA(keyPair(), await initializeCTLog(keyPair()))).rootCertificate,
    stop: () => {
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
}
