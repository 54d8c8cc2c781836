import type { IntegrityPredicate, OCIModelRecord } from '../../attest/predicates.ts';
import type { ArtifactDigest } from '../../digest/artifact.ts';
import { manifestOfHashedFiles } from '../../digest/model.ts';
import { fetchPinnedManifest, parseOCIReference, type OCIReference } from '../../digest/oci.ts';
import { sha256Hex } from '../../digest/sha256.ts';
import { InputError, describeThrown } from '../../error.ts';
import { isDescriptor, OCI_INDEX, type Descriptor, type FetchedManifest, type RegistryClient } from '../../store/oci-registry.ts';
import { toRFC3339 } from '../../time.ts';
import { ENGINE } from '../../version.ts';
import { attestGate, describeManifest } from '../gate.ts';
import { deliverGateRun, type GateContext, type GateOutcome } from '../workflow.ts';

/** The layer annotation naming the file a layer holds (ORAS's convention, which model-signing follows for OCI manifests). */
export const TITLE_ANNOTATION = 'org.opencontainers.image.title';
// ORAS marks a layer that is a packed directory (tar+gzip) with this annotation.
const UNPACK_ANNOTATION = 'io.deis.oras.content.unpack';
const INDEX_TYPES = new Set([OCI_INDEX, 'application/vnd.docker.distribution.manifest.list.v2+json']);

/** What was found in a model's OCI artifact: its manifest, the files its layers hold (hashed as served) and every way it breaks its digests. */
export interface OCIModelInspection {
  record: OCIModelRecord;
  /** Each layer's file, with the SHA-256 of the bytes the registry served. */
  files: Array<{ path: string; sha256: string; size: number }>;
  problems: string[];
}

/**
 * Reads a model packaged as an OCI artifact, one file per layer named by its
 * title annotation (`oras push` of the model's files): every blob, the config
 * too, is fetched and hashed, and each that is missing, hashes to another
 * digest or has another size is a problem, as is a layer that names no file,
 * names one outside the model, names one twice, or packs a directory.
 */
export async function inspectOCIModel(client: RegistryClient, reference: OCIReference, manifest: FetchedManifest): Promise<OCIModelInspection> {
  let parsed: { mediaType?: unknown; artifactType?: unknown; config?: unknown; layers?: unknown };
  try {
    parsed = JSON.parse(manifest.bytes.toString('utf8')) as typeof parsed;
  } catch (cause) {
    throw new InputError({ code: 'JSON_INVALID', message: `--subject: ${reference.uri}: the manifest is not JSON (${describeThrown(cause)})`, cause });
  }
  const mediaType = typeof parsed?.mediaType === 'string' ? parsed.mediaType : manifest.mediaType;
  if (INDEX_TYPES.has(mediaType) || INDEX_TYPES.has(manifest.mediaType)) {
    throw new InputError({ code: 'ARTIFACT_INVALID', message: `--subject: ${reference.uri} is an index of manifests; pin the one manifest that holds the model` });
  }
  if (!isDescriptor(parsed?.config) || !Array.isArray(parsed.layers) || !parsed.layers.every(isDescriptor)) {
    throw new InputError({ code: 'ARTIFACT_INVALID', message: `--subject: ${reference.uri}: the manifest has no config and layers descriptors (sha256) to check` });
  }
  const layers = parsed.layers as Descriptor[];
  const problems: string[] = [];
  const files: OCIModelInspection['files'] = [];
  const paths = new Set<string>();
  const served = async (descriptor: Descriptor, what: string): Promise<string | undefined> => {
    const bytes = await client.blobAsServed(descriptor.digest);
    if (bytes === undefined) {
      problems.push(`${what}: the registry has no blob ${descriptor.digest}`);
      return undefined;
    }
    const sha256 = sha256Hex(bytes);
    if (`sha256:${sha256}` !== descriptor.digest) problems.push(`${what}: the registry serves bytes hashing to sha256:${sha256}, not the ${descriptor.digest} the manifest names`);
    if (bytes.length !== descriptor.size) problems.push(`${what}: the registry serves ${bytes.length} bytes, not the ${descriptor.size} the manifest names`);
    return sha256;
  };
  await served(parsed.config, 'config');
  for (const layer of layers) {
    const title = layer.annotations?.[TITLE_ANNOTATION];
    const what = title === undefined ? `layer ${layer.digest}` : `layer ${JSON.stringify(title)}`;
    const sha256 = await served(layer, what);
    if (title === undefined || title === '') {
      problems.push(`${what} names no file (no ${TITLE_ANNOTATION} annotation)`);
      continue;
    }
    if (layer.annotations?.[UNPACK_ANNOTATION] === 'true') {
      problems.push(`${what} is a packed directory; push the model's files one per layer`);
      continue;
    }
    const parts = title.split('/');
    if (title.startsWith('/') || parts.some((part) => part === '' || part === '.' || part === '..') || title.includes('\\')) {
      problems.push(`${what} names a path outside the model (a relative POSIX path is expected)`);
      continue;
    }
    if (paths.has(title)) {
      problems.push(`${what} is named by two layers`);
      continue;
    }
    paths.add(title);
    if (sha256 !== undefined) files.push({ path: title, sha256, size: layer.size });
  }
  return {
    record: {
      reference: reference.uri,
      manifestDigest: reference.digest,
      mediaType,
      artifactType: typeof parsed.artifactType === 'string' ? parsed.artifactType : null,
      layers: layers.length,
    },
    files,
    problems,
  };
}

/** Judges an OCI model: pass exactly when every blob is what its manifest names; the artifact is the model-signing directory digest of the layers' content. */
export function evaluateOCIIntegrity(inspection: OCIModelInspection, modelName: string, config: { evaluatedAt: string }): IntegrityPredicate & { artifact: { digest: ArtifactDigest } } {
  const artifact = describeManifest(manifestOfHashedFiles(modelName, inspection.files));
  return {
    gate: 'integrity',
    verdict: inspection.problems.length === 0 ? 'pass' : 'fail',
    evaluatedAt: config.evaluatedAt,
    engine: { ...ENGINE },
    reasons: [...inspection.problems],
    policy: null,
    thresholds: {},
    evidence: [],
    artifact,
    expected: { digest: inspection.record.manifestDigest, source: inspection.record.reference },
    oci: inspection.record,
  };
}

/** What the integrity gate is asked about a model in a registry: is the manifest this reference pins intact, and which directory digest does it hold? */
export interface OCIIntegrityGateRequest {
  /** `oci://REGISTRY/REPOSITORY@sha256:<hex>`. */
  subject: string;
}

/**
 * The integrity gate over an OCI artifact: fetch the pinned manifest (checked
 * against its digest), every blob, judge, and sign one statement about both
 * the manifest digest and the model-signing directory digest of its content,
 * which binds the two for the policy.
 */
export async function ociIntegrityGate(request: OCIIntegrityGateRequest, context: GateContext): Promise<GateOutcome<IntegrityPredicate>> {
  const reference = await parseOCIReference(request.subject);
  const { client, manifest } = await fetchPinnedManifest(reference);
  const inspection = await inspectOCIModel(client, reference, manifest);
  const modelName = reference.repository.split('/').at(-1)!;
  const predicate = evaluateOCIIntegrity(inspection, modelName, { evaluatedAt: toRFC3339(context.evaluatedAt) });
  const run = await attestGate({ name: reference.uri, digest: reference.digest }, predicate, context.signing, [{ name: modelName, digest: predicate.artifact.digest }]);
  return deliverGateRun(run, context.sink);
}
