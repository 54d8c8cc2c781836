import { GatehouseError } from '../error.ts';

export type ApprovalErrorCode =
  /** The signer may not do this: the requester, a gate signer or the model's author deciding, or someone in no approval role. */
  | 'REFUSED'
  /** A required gate has no acceptable evidence, so there is nothing to put before approvers. */
  | 'NOTHING_TO_REVIEW'
  /** A request already covers exactly this evidence; approvers decide that one. */
  | 'ALREADY_REQUESTED'
  /** The evidence changed since the request: its packet is not what a decision would use. */
  | 'PACKET_STALE'
  /** The request drew a deep review and the approval does not judge every sampled item. */
  | 'DEEP_REVIEW_INCOMPLETE';

/**
 * An approval step the workflow refuses: well-formed, but the policy says
 * this signer may not take it now. Like a denied decision (exit 1), never
 * bad input; the message says who and why.
 */
export class ApprovalError extends GatehouseError<ApprovalErrorCode> {}
