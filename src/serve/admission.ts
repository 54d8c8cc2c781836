// Reading a Kubernetes AdmissionReview v1: which models an object would
// serve, and what the model it replaces was; and answering one. Nothing here
// decides: an object whose model cannot be identified is a denial with a
// reason, never an object let through.
import type { BreakGlassOverride } from '../decide/decide.ts';
import { parseDigest, type ArtifactDigest } from '../digest/artifact.ts';
import { InputError } from '../error.ts';

/** The annotation naming the model an object serves: `sha256:<hex>`, or an `oci://…@sha256:<hex>` reference. */
export const MODEL_ANNOTATION = 'gatehouse.dev/model';
/** The annotation naming the model serving now, which the new one replaces (the regression and canary baseline). */
export const DEPLOYED_ANNOTATION = 'gatehouse.dev/deployed-model';

/** The kinds gatehouse judges, by group/version/kind as the API server names them. */
const KINDS: Readonly<Record<string, ObjectKind>> = {
  '/v1/Pod': 'Pod',
  'apps/v1/Deployment': 'Deployment',
  'serving.kserve.io/v1beta1/InferenceService': 'InferenceService',
};

type ObjectKind = 'Pod' | 'Deployment' | 'InferenceService';

/** An AdmissionReview request as far as gatehouse reads it. */
export interface AdmissionRequest {
  uid: string;
  kind: string;
  operation: string;
  namespace: string;
  name: string;
  /** A dry run: the API server persists nothing, so gatehouse records nothing (sideEffects: NoneOnDryRun). */
  dryRun: boolean;
}

/** What an object would serve: the models it names, and the model it replaces (null when none is known). */
export interface AdmittedModels {
  models: ArtifactDigest[];
  deployed: ArtifactDigest | null;
}

/** The request of an AdmissionReview v1; a body that is not one cannot even be answered, so it is bad input (400). */
export function admissionRequestOf(body: unknown): AdmissionRequest & { object: unknown; oldObject: unknown; group: string; version: string } {
  const review = body as { apiVersion?: unknown; kind?: unknown; request?: Record<string, unknown> } | null;
  if (review === null || typeof review !== 'object' || review.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview') {
    throw new InputError({ code: 'USAGE', message: 'expected an AdmissionReview of apiVersion admission.k8s.io/v1' });
  }
  const request = review.request;
  if (request === null || typeof request !== 'object' || typeof request['uid'] !== 'string' || request['uid'] === '') {
    throw new InputError({ code: 'USAGE', message: 'the AdmissionReview has no request.uid' });
  }
  const kind = (request['kind'] ?? {}) as { group?: unknown; version?: unknown; kind?: unknown };
  return {
    uid: request['uid'],
    group: typeof kind.group === 'string' ? kind.group : '',
    version: typeof kind.version === 'string' ? kind.version : '',
    kind: typeof kind.kind === 'string' ? kind.kind : '',
    operation: typeof request['operation'] === 'string' ? request['operation'] : '',
    namespace: typeof request['namespace'] === 'string' ? request['namespace'] : '',
    name: typeof request['name'] === 'string' ? request['name'] : '',
    dryRun: request['dryRun'] === true,
    object: request['object'],
    oldObject: request['oldObject'],
  };
}

/**
 * The models an admitted object serves and the one it replaces. Refuses
 * (InputError, which the caller turns into a denial) a kind gatehouse does
 * not judge, an object naming no model, and any model reference it cannot
 * pin to a digest (an `s3://` URI, an OCI tag). The replaced model is the
 * deployed-model annotation or, on an UPDATE, the model of the object being
 * replaced; the two must agree when both are there.
 */
export function admittedModels(request: ReturnType<typeof admissionRequestOf>): AdmittedModels {
  const kind = KINDS[`${request.group}/${request.version}/${request.kind}`];
  if (kind === undefined) throw new InputError({ code: 'USAGE', message: `gatehouse does not judge ${request.group || 'core'}/${request.version} ${request.kind}` });
  const models = modelsOf(request.object, kind, 'object');
  if (models.length === 0) {
    throw new InputError({ code: 'USAGE', message: `no model identified: annotate ${MODEL_ANNOTATION} with sha256:<digest>, or use an oci://…@sha256:<digest> storage URI` });
  }
  const annotated = annotationsOf(request.object, kind).flatMap((annotations) => {
    const value = annotations[DEPLOYED_ANNOTATION];
    return value === undefined ? [] : [modelReference(value, `annotation ${DEPLOYED_ANNOTATION}`)];
  });
  const distinctAnnotated = [...new Set(annotated)];
  if (distinctAnnotated.length > 1) throw new InputError({ code: 'USAGE', message: `annotations ${DEPLOYED_ANNOTATION} disagree: ${distinctAnnotated.join(', ')}` });
  let replaced: ArtifactDigest | null = null;
  if (request.operation === 'UPDATE' && request.oldObject !== null && typeof request.oldObject === 'object') {
    let old: ArtifactDigest[] = [];
    try {
      old = modelsOf(request.oldObject, kind, 'oldObject');
    } catch {
      // The object replaced named no model gatehouse can read: nothing is known to serve now.
    }
    if (old.length === 1 && !models.includes(old[0]!)) replaced = old[0]!;
  }
  const stated = distinctAnnotated[0] ?? null;
  if (stated !== null && replaced !== null && stated !== replaced) {
    throw new InputError({ code: 'USAGE', message: `annotation ${DEPLOYED_ANNOTATION} names ${stated}, but the object being replaced serves ${replaced}` });
  }
  return { models, deployed: stated ?? replaced };
}

// The annotation maps that apply to an object: its own and, for a Deployment, its pod template's.
function annotationsOf(object: unknown, kind: ObjectKind): Array<Record<string, string>> {
  const record = (object ?? {}) as { metadata?: { annotations?: unknown }; spec?: { template?: { metadata?: { annotations?: unknown } } } };
  const maps = [record.metadata?.annotations, ...(kind === 'Deployment' ? [record.spec?.template?.metadata?.annotations] : [])];
  return maps.filter((map): map is Record<string, string> => map !== null && typeof map === 'object');
}

function modelsOf(object: unknown, kind: ObjectKind, where: string): ArtifactDigest[] {
  if (object === null || typeof object !== 'object') throw new InputError({ code: 'USAGE', message: `the AdmissionReview carries no ${where}` });
  const found = new Set<ArtifactDigest>();
  for (const annotations of annotationsOf(object, kind)) {
    const value = annotations[MODEL_ANNOTATION];
    if (value !== undefined) found.add(modelReference(value, `annotation ${MODEL_ANNOTATION}`));
  }
  if (kind === 'InferenceService') {
    const spec = (object as { spec?: unknown }).spec;
    for (const uri of storageURIs(spec)) found.add(modelReference(uri, 'storageUri'));
  }
  return [...found].sort();
}

// Every storageUri in an InferenceService spec (predictor, transformer, explainer; any model format).
function storageURIs(value: unknown, depth = 0): string[] {
  if (value === null || typeof value !== 'object' || depth > 8) return [];
  if (Array.isArray(value)) return value.flatMap((item) => storageURIs(item, depth + 1));
  return Object.entries(value).flatMap(([key, item]) => {
    if (key === 'storageUri') {
      if (typeof item !== 'string') throw new InputError({ code: 'USAGE', message: 'storageUri is not a string' });
      return [item];
    }
    return storageURIs(item, depth + 1);
  });
}

/** A model named as `sha256:<hex>` or `oci://…@sha256:<hex>`; anything else cannot be pinned and is refused. */
export function modelReference(value: string, what: string): ArtifactDigest {
  if (value.startsWith('oci://')) {
    const match = /@(sha256:[0-9a-fA-F]{64})$/.exec(value);
    if (match === null) throw new InputError({ code: 'DIGEST_INVALID', message: `${what}: ${JSON.stringify(value)} names no digest (oci://…@sha256:<digest>); a tag can move` });
    return parseDigest(match[1]!, what);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) throw new InputError({ code: 'DIGEST_INVALID', message: `${what}: ${JSON.stringify(value)} cannot be pinned to a digest (only oci://…@sha256: references can)` });
  return parseDigest(value, what);
}

/** An AdmissionReview v1 response. */
export interface AdmissionAnswer {
  allowed: boolean;
  message: string;
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

/** The AdmissionReview v1 that answers request `uid`. */
export function admissionReview(uid: string, answer: AdmissionAnswer): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: answer.allowed,
      status: answer.allowed ? { code: 200, message: answer.message } : { code: 403, reason: 'Forbidden', message: answer.message },
      ...(answer.warnings === undefined || answer.warnings.length === 0 ? {} : { warnings: answer.warnings }),
      ...(answer.auditAnnotations === undefined ? {} : { auditAnnotations: answer.auditAnnotations }),
    },
  };
}

/** The warning an admission by break-glass carries: who overrode approval, why, and when. */
export function breakGlassWarning(override: BreakGlassOverride): string {
  return `gatehouse: admitted by a break-glass override of the approval gate, signed by ${override.signer} at ${override.at}: ${override.reason}`;
}
