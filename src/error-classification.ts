// One table from a thrown error to how it is reported, so the CLI and a
// server cannot drift: the same failure exits 2 on the command line exactly
// when a server answers 400. A policy decision that says no is not an error
// and is not classified here; each front end reports it as its own outcome.
import { ApprovalError } from './approval/error.ts';
import { InputError, describeThrown } from './error.ts';
import { EndpointError } from './io/error.ts';
import { PolicyError } from './policy/error.ts';
import { SigningError } from './sign/error.ts';
import { StoreError } from './store/error.ts';
import { TrustRootError, VerificationError } from './verify/error.ts';

/** Exit codes every gatehouse command shares. */
export const EXIT = {
  ok: 0,
  /** Verification failed, a gate failed, or a decision denied. */
  failed: 1,
  /** Bad usage or bad input: one line on stderr names the file and the problem. */
  badInput: 2,
  /** A bug or an unexpected environment failure. */
  internal: 3,
} as const;

/** One of the EXIT codes. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The kinds of failure: the caller's input is unusable (`bad-input`); it is
 * well-formed but what it names is refused: a signature, a policy bundle or
 * policy tests that fail (`refused`); a service gatehouse depends on did not
 * answer (`unavailable`); anything else is a bug (`internal`).
 */
export type FailureKind = 'bad-input' | 'refused' | 'unavailable' | 'internal';

/**
 * HTTP status of each kind. Refused evidence is 422 Unprocessable Content,
 * not 403 Forbidden: the request was understood and its sender is not
 * refused, the evidence it names is, and resending it unchanged cannot help.
 */
export const HTTP_STATUS = {
  'bad-input': 400,
  refused: 422,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<FailureKind, number>;

/** How a failure is reported: its kind, the exit code, the HTTP status, and one line saying what happened. */
export interface ErrorClassification {
  kind: FailureKind;
  exitCode: ExitCode;
  httpStatus: (typeof HTTP_STATUS)[FailureKind];
  /** One line for a terminal or a log; bad input names the file ("<path>: <problem>"). */
  line: string;
}

const EXIT_CODE = {
  'bad-input': EXIT.badInput,
  refused: EXIT.failed,
  // An endpoint that does not answer is an environment failure, not a verdict.
  unavailable: EXIT.internal,
  internal: EXIT.internal,
} as const satisfies Record<FailureKind, ExitCode>;

/** Classifies anything thrown: gatehouse's typed errors by class and code, anything else as internal. */
export function classifyError(error: unknown): ErrorClassification {
  const [kind, line] = kindAndLine(error);
  return { kind, exitCode: EXIT_CODE[kind], httpStatus: HTTP_STATUS[kind], line };
}

function kindAndLine(error: unknown): [FailureKind, string] {
  if (error instanceof InputError) return ['bad-input', error.toString()];
  if (error instanceof VerificationError) return ['refused', `verification failed: ${error.message}`];
  // A TUF repository that serves what does not verify is refused; one that does not answer, or
  // whose every copy has expired, leaves nothing to verify with: an environment failure.
  if (error instanceof TrustRootError) return error.code === 'TUF_REFUSED' ? ['refused', `trusted root refused: ${error.message}`] : ['unavailable', `no trusted root: ${error.message}`];
  if (error instanceof PolicyError) {
    if (error.code === 'BUILD_FAILED') return ['bad-input', error.message];
    if (error.code === 'TESTS_FAILED') return ['refused', `policy build: ${error.message}`];
    if (error.code === 'EVALUATION_FAILED') return ['internal', error.message];
    return ['refused', `policy bundle refused: ${error.message}`];
  }
  if (error instanceof ApprovalError) return ['refused', `approval refused: ${error.message}`];
  if (error instanceof EndpointError) return ['unavailable', error.message];
  if (error instanceof StoreError) return ['unavailable', error.toString()];
  // A missing identity token is the caller's to supply; any other signing
  // failure is a signing service (Fulcio, Rekor, a TSA) refusing or not answering.
  if (error instanceof SigningError) return [error.code === 'IDENTITY_TOKEN_MISSING' ? 'bad-input' : 'unavailable', error.message];
  return ['internal', `internal error: ${describeThrown(error)}`];
}
