// Negative tests name the refusal they expect: its class and its literal code.
import { VerificationError } from '../../src/verify/error.ts';

/** The VerificationError `verification` raises; anything else thrown, or nothing, fails the test. */
export function refusal(verification: () => unknown): VerificationError {
  try {
    verification();
  } catch (error) {
    if (error instanceof VerificationError) return error;
    throw error;
  }
  throw new Error('expected a VerificationError, but the bundle verified');
}
