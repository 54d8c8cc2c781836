import { InputError } from '../error.ts';
import type { ApprovalPolicy } from '../policy/data.ts';
import type { RiskAssessment, RiskFactor, RiskTier } from './view.ts';

/** The tiers, lowest first. */
export const RISK_TIERS: readonly RiskTier[] = ['low', 'medium', 'high'];

/** What a requester may declare about the change's risk (a risk file): each can only raise the tier. */
export interface DeclaredRisk {
  traffic_share?: number;
  reversible?: boolean;
  sensitive_use?: boolean;
}

/**
 * Assesses the risk of promoting a model to a stage, as the policy re-derives
 * it: the model's size from the integrity attestation (unknown is high), the
 * traffic share (the stage's, or what the requester declares if more),
 * irreversibility and sensitive use (the stage's or declared) are high.
 * The tier is the highest any factor reaches.
 */
export function assessRisk(policy: ApprovalPolicy, stage: string, modelBytes: number | null, declared: DeclaredRisk = {}): RiskAssessment {
  const facts = policy.stages?.[stage] ?? {};
  const factors: RiskFactor[] = [];
  const numeric = (bounds: { medium: number; high: number }, value: number): RiskTier => (value >= bounds.high ? 'high' : value >= bounds.medium ? 'medium' : 'low');
  factors.push(
    modelBytes === null
      ? { name: 'model_bytes', value: 0, tier: 'high', source: 'unknown: the integrity evidence records no size' }
      : { name: 'model_bytes', value: modelBytes, tier: numeric(policy.risk.model_bytes, modelBytes), source: 'integrity attestation' },
  );
  const stageShare = facts.traffic_share ?? 1;
  const share = Math.max(stageShare, declared.traffic_share ?? 0);
  factors.push({ name: 'traffic_share', value: share, tier: numeric(policy.risk.traffic_share, share), source: share > stageShare ? 'risk file' : `policy data for ${stage}` });
  const reversible = (facts.reversible ?? false) && declared.reversible !== false;
  factors.push({ name: 'reversible', value: reversible, tier: reversible ? 'low' : 'high', source: declared.reversible === false ? 'risk file' : `policy data for ${stage}` });
  const sensitive = facts.sensitive_use === true || declared.sensitive_use === true;
  factors.push({ name: 'sensitive_use', value: sensitive, tier: sensitive ? 'high' : 'low', source: declared.sensitive_use === true ? 'risk file' : `policy data for ${stage}` });
  const tier = RISK_TIERS[Math.max(...factors.map((factor) => RISK_TIERS.indexOf(factor.tier)))]!;
  return { tier, factors };
}

/** Reads a risk file's JSON: only the factors a requester may declare, each of its type. */
export function declaredRiskOf(json: unknown, path: string): DeclaredRisk {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InputError({ code: 'SCHEMA_INVALID', message: 'a risk file is a JSON object', path });
  const declared: DeclaredRisk = {};
  for (const [key, value] of Object.entries(json)) {
    if (key === 'traffic_share') {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new InputError({ code: 'SCHEMA_INVALID', message: 'traffic_share is a number from 0 to 1', path });
      declared.traffic_share = value;
    } else if (key === 'reversible' || key === 'sensitive_use') {
      if (typeof value !== 'boolean') throw new InputError({ code: 'SCHEMA_INVALID', message: `${key} is true or false`, path });
      declared[key] = value;
    } else {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `unknown risk factor ${JSON.stringify(key)} (traffic_share, reversible, sensitive_use)`, path });
    }
  }
  return declared;
}

/** What policy data requires of a request at a tier, with the floors the policy adds (the stage's count; two at the high tier). */
export function requiredApprovals(policy: ApprovalPolicy, tier: RiskTier, stageApprovals: number | undefined): { approvals: number; roles: Record<string, number>; reviewSeconds: number } {
  const rules = policy.tiers[tier];
  return {
    approvals: Math.max(1, stageApprovals ?? 1, rules.approvals, tier === 'high' ? 2 : 1),
    roles: { ...rules.roles },
    reviewSeconds: rules.review_seconds,
  };
}
