import { InputError } from '../error.ts';

/**
 * A path cannot be hashed as a model: missing, a symlink, a socket or device,
 * unreadable, or changed while it was being read. Always bad input (exit 2).
 */
export class DigestError extends InputError {}
