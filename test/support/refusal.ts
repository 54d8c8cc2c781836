// Negative tests name the refusal they expect: its class and its literal code.
import { VerificationError } from '../../src/verify/error.ts';

/** The error of class `kind` (default VerificationError) that `run` throws; anything else thrown, or nothing, fails the test. */
export function refusal<E extends Error = VerificationError>(run: () => unknown, kind: abstract new (...args: never[]) => E = VerificationError as never): E {
  try {
    run();
  } catch (error) {
    if (error instanceof kind) return error;
    throw error;
  }
  throw new Error(`expected a ${kind.name}, but nothing was refused`);
}

/** The error of class `kind` that `pending` rejects with; anything else, or a result, fails the test. */
export async function rejection<E extends Error>(pending: Promise<unknown>, kind: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await pending;
  } catch (error) {
    if (error instanceof kind) return error;
    throw error;
  }
  throw new Error(`expected a ${kind.name}, but nothing was refused`);
}
