// The role that turns bytes into a signature plus the key material that
// verifies it. gatehouse uses sigstore-js's interface unchanged so its own
// KeySigner and sigstore's FulcioSigner are interchangeable in a bundle builder.
export type { Signature, Signer } from '@sigstore/sign';
