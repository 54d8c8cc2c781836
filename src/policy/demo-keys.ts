import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyFingerprint } from '../keys/keys.ts';

/**
 * Fingerprints of the demo key pairs in examples/keys/, whose private halves
 * are published with gatehouse: anyone can sign with them. The example policy
 * bundle trusts them so the demo runs; a policy that trusts one in earnest
 * trusts everyone. (test/policy/demo-keys.test.ts checks this list against the files.)
 */
export const DEMO_KEY_FINGERPRINTS: Readonly<Record<string, string>> = {
  'approver-alice': 'SHA256:jh2CAk7L784D1YXHGBvjU/cEKqsAeVS2S2N/Ls5PXZA',
  'approver-bob': 'SHA256:sIN4RMvHuwRV2ekc1ydvlRGPKhsgozHCVCP5RTB5Ff4',
  'approver-carol': 'SHA256:z4tjmVN8/RjQnBwBsF4vMz9GpCLW3KXahbbtuD+nAl0',
  'approver-dave': 'SHA256:/UF9hA2fw0Ns+OPMa0Xkhm1CbLk/phXSrNAAStgl4SM',
  'bias-gate': 'SHA256:gbVL/bGeVXqZok2EGavwr4vRbiWgCyIIAGL8ur8b9DU',
  'robustness-gate': 'SHA256:us05oZcvl05ggs65ySYafJhNr4dainiCcKlC0j/TKdo',
  'backdoor-gate': 'SHA256:9CiZuzmr6GTnmqVNiAgihkjnn2To/HyQI+svpQx9AwI',
  'canary-controller': 'SHA256:M81r1ovWPEHPpiL7gCw9HeP+YHFfk5Zz9xvHwHuRJsM',
  'decision-recorder': 'SHA256:K8P6JlUAqxo4IBFH+RW3K/vpFm/DDAWBmX34PP0bKvg',
  'oncall-erin': 'SHA256:Fd3/Lxn4+nQJPGzQY94lXIFLMwCC9ecLDohotHrdbhc',
  'integrity-gate': 'SHA256:PGWMoEJCLckbaVK8gqq6LRneTTgxtr62MhNQm1XJUw8',
  'policy-team': 'SHA256:XHdC6gZssv4Q5Jin+foGODJTSaZKtSXr79DzqBQ4ng8',
  'provenance-gate': 'SHA256:+ceDQCzMUGxDdkRO0TGQrHtSdzLHSAS6eOW3d7oegeE',
  'release-manager': 'SHA256:SUwrieZ9uj+U8vh5tQKM8O+frHwWHf9JoW2okcoF4z8',
  'regression-gate': 'SHA256:Z9qbqinHsWFvQIFOLas0d9FmzcgpbQZJhZUtrHw2VhE',
  'safety-gate': 'SHA256:qB7PWJmR3V7b75huL9cenDMre3MpynFyq8jC8E0Vm5g',
  'training-pipeline': 'SHA256:7GAPtEzKiYQqt/2clINeStC8BcLc7QxHi+gKay3GARk',
  'red-team': 'SHA256:nb8liKSA9qc34JDxgC2921KLMDgICwTcybB5bhEDgOY',
  'risk-owner': 'SHA256:uYhqcBMXZGIcQI0YMT814KWQ76CpVbljAdgEfdLFSuU',
  'data-team': 'SHA256:5vRgFkcil+RZ9pn6NiugMvmPGOE/I8491RtVXjZ3c7A',
  'model-publisher': 'SHA256:LtAPP0DsqAURAq7mUJPu408gHrLiPvcAuub/pEjYigw',
  'data-provenance-gate': 'SHA256:Bfl1f0YkVpOuYdQF3a9vEkKBUyXPWypFIlD/x8QgZV4',
};

const DEMO_KEY_NAMES = new Map(Object.entries(DEMO_KEY_FINGERPRINTS).map(([name, fingerprint]) => [fingerprint, name]));

/**
 * The demo keys a policy trusts: the key its bundle was verified with, and
 * every key signer its data names, as `examples/keys/<name>.pub`, sorted.
 */
export function demoKeysTrusted(policyKey: KeyObject, data: { signers?: Record<string, { kind?: string; public_key?: string }> }): string[] {
  const names = new Set<string>();
  const note = (key: KeyObject) => {
    const name = DEMO_KEY_NAMES.get(keyFingerprint(key));
    if (name !== undefined) names.add(`examples/keys/${name}.pub`);
  };
  note(policyKey);
  for (const signer of Object.values(data.signers ?? {})) {
    if (signer.kind !== 'key' || signer.public_key === undefined) continue;
    // A key that does not parse is not a demo key; the decision refuses it when it reads the signers.
    let key: KeyObject;
    try {
      key = createPublicKey(signer.public_key);
    } catch {
      continue;
    }
    note(key);
  }
  return [...names].sort();
}

/** The warning a command prints on stderr when a policy trusts demo keys; undefined when it trusts none. */
export function demoKeysWarning(policyKey: KeyObject, data: Parameters<typeof demoKeysTrusted>[1]): string | undefined {
  const trusted = demoKeysTrusted(policyKey, data);
  if (trusted.length === 0) return undefined;
  return `warning: this policy trusts ${trusted.length} demo key${trusted.length === 1 ? '' : 's'} whose private halves are published with gatehouse (${trusted.join(', ')}); anyone can sign with them, so use your own keys outside the demo`;
}
