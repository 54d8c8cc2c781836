/**
 * What people are shown about approvals, as plain data: the review page of
 * one request and the audit of every approver. Built from verified
 * statements in src/approval/; rendered to HTML and terminal text by
 * src/approval/render.ts, which draws only from these.
 */

/** The risk tiers, lowest first. */
export type RiskTier = 'low' | 'medium' | 'high';

/** One input of the risk assessment, with the tier it alone puts the request at. */
export interface RiskFactor {
  /** model_bytes, traffic_share, reversible or sensitive_use. */
  name: string;
  /** The value, as recorded (a number, or true/false). */
  value: number | boolean;
  tier: RiskTier;
  /** Where the value came from: the integrity attestation, policy data for the stage, or the requester's risk file. */
  source: string;
}

/** The risk assessment a request records: the highest tier any factor reaches. */
export interface RiskAssessment {
  tier: RiskTier;
  factors: RiskFactor[];
}

/** One figure of a gate's verdict, ready to show. */
export interface GateFigure {
  name: string;
  value: string;
  /** The confidence interval, as text, when the figure has one. */
  interval?: string;
  verdict?: string;
}

/** One gate of the chain as the reviewer sees it. */
export interface ReviewGate {
  gate: string;
  verdict: string;
  /** sha256 digest of the attestation bundle under review. */
  attestation: string;
  signer: string;
  evaluatedAt: string;
  figures: GateFigure[];
  reasons: string[];
  /** The reports and evidence files the attestation names, by digest. */
  reports: Array<{ role: string; digest: string; name?: string }>;
}

/** One example where candidate and deployed model differ, for the diff summary. */
export interface DiffExample {
  /** The example's id in its dataset. */
  id: string;
  /** regression (per-example results) or safety (responses). */
  source: 'regression' | 'safety';
  /** The prompt or input, when the dataset has one. */
  input: string;
  /** What the candidate gave: its figures or its response. */
  candidate: string;
  /** What the deployed model gave, or "not on record" when no deployed output exists. */
  deployed: string;
  /** How much the outcome changed: larger first; negative is worse for the candidate. */
  change: number;
  /** Capability, category or judgement, when there is one. */
  note?: string;
}

/** A request's deep-review draw: recomputable from its nonce. */
export interface DeepReviewDraw {
  /** The uniform draw in [0, 1) from the nonce. */
  draw: number;
  /** The rate policy data sets: a deep review is drawn when draw < rate. */
  rate: number;
  selected: boolean;
  /** Ids of the diff-summary examples the approver must judge one by one (empty when not selected). */
  items: string[];
}

/** One approver's word on a request. */
export interface ReviewDecision {
  approver: string;
  decision: 'approve' | 'reject';
  at: string;
  justification: string;
}

/** Everything the review page shows about one approval request. */
export interface ReviewView {
  request: {
    /** The request id the approval must name. */
    id: string;
    /** sha256 digest of the request bundle. */
    bundleDigest: string;
    subject: string;
    stage: string;
    deployed: string | null;
    createdAt: string;
    deadline: string;
    requester: string;
    /** pending, approved, rejected, overdue or escalated, at the time the page was made. */
    state: string;
  };
  risk: RiskAssessment;
  required: {
    approvals: number;
    /** Each role the tier requires, how many approvals it must give, and who is in it. */
    roles: Array<{ role: string; count: number; members: string[] }>;
    /** Roles that may approve once the request is overdue. */
    escalationRoles: string[];
  };
  /** What the approver is asked to check, in order. */
  checklist: string[];
  gates: ReviewGate[];
  /** Candidate and deployed side by side, the examples whose outcome changed most first. */
  diff: DiffExample[];
  deepReview: DeepReviewDraw;
  decisions: ReviewDecision[];
}

/** One approver's record in the audit. */
export interface ApproverAudit {
  approver: string;
  decisions: number;
  approvals: number;
  rejections: number;
  /** approvals / decisions; null without decisions. */
  approveRate: number | null;
  /** Median seconds from request to decision; null without decisions. */
  medianReviewSeconds: number | null;
  /** Share of decisions made faster than the plausible minimum review time; null without decisions. */
  fastShare: number | null;
  /** Every review time, in seconds, in the order signed (for the plot). */
  reviewSeconds: number[];
  /** Deep-review item judgments given, and how many raised a concern. */
  findings: { items: number; concerns: number };
}

/** The audit of approvals in a store. */
export interface AuditReport {
  /** Only statements from this time on; null for all. */
  since: string | null;
  generatedAt: string;
  /** The plausible minimum review time policy data sets, in seconds. */
  minReviewSeconds: number;
  approvers: ApproverAudit[];
  requests: { total: number; pending: number; approved: number; rejected: number; overdue: number; deepReviews: number };
  /** Every break-glass override, newest first. */
  breakGlass: Array<{ signer: string; subject: string; stage: string; at: string; reason: string; bundleDigest: string }>;
}
