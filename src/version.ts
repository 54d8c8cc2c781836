import pkg from '../package.json' with { type: 'json' };

/** The engine that produced an attestation or decision, recorded so a replay can tell. */
export const ENGINE = { name: 'gatehouse', version: pkg.version } as const;
