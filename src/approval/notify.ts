import { describeThrown } from '../error.ts';
import { postJSON, type RetryOptions } from '../io/http.ts';
import { sha256Hex } from '../digest/sha256.ts';

/** What the approval workflow tells people about. */
export type ApprovalEventType = 'approval.requested' | 'approval.escalated' | 'approval.decided';

/** One notification: an HTTP POST with this JSON body. */
export interface ApprovalEvent {
  type: ApprovalEventType;
  /** Stable for one event (type, request and decision), so a receiver drops repeats: delivery is at least once. */
  id: string;
  request: { id: string; digest: string; subject: string; stage: string; deadline: string; tier: string };
  /** Signer ids that may act on the request now. */
  eligible: string[];
  /** For approval.decided: who decided what. */
  decision?: { approver: string; decision: 'approve' | 'reject'; digest: string };
  at: string;
}

/** How one notification went. */
export interface NotifyResult {
  url: string;
  ok: boolean;
  error?: string;
}

/** The event's id: the sha256 of its type, request and decision, so re-sending it (an escalation seen on every status run) is recognisable. */
export function eventId(type: ApprovalEventType, requestDigest: string, decisionDigest = ''): string {
  return sha256Hex(`${type}\n${requestDigest}\n${decisionDigest}`);
}

/**
 * Posts an event to every webhook, each with retries (timeouts, network
 * errors, 429 and 5xx, with exponential backoff). A webhook that still fails
 * is reported, never thrown: what was signed and stored stands, and the
 * caller says that someone was not told.
 */
export async function notifyWebhooks(urls: readonly string[], event: ApprovalEvent, retry: RetryOptions = {}): Promise<NotifyResult[]> {
  return Promise.all(
    urls.map(async (url) => {
      try {
        await postJSON({ url, body: event, headers: { 'x-gatehouse-event': event.type }, timeoutMs: retry.timeoutMs ?? 10_000, retries: retry.retries ?? 3, backoffMs: retry.backoffMs ?? 500 });
        return { url, ok: true };
      } catch (error) {
        return { url, ok: false, error: describeThrown(error) };
      }
    }),
  );
}
