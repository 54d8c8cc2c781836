import statementSchema from './schemas/statement.schema.json' with { type: 'json' };
import { addSchema, compileSchema, type SchemaValidator } from '../schema/validator.ts';

/** The `_type` of every in-toto Statement v1. */
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

/** DSSE payloadType of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** A map from hash algorithm to digest, lowercase hex for the SHA-2 family (in-toto DigestSet). */
export type DigestSet = Record<string, string> & { sha256?: string };

/** in-toto ResourceDescriptor: a thing a statement is about or refers to. */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: DigestSet;
  content?: string;
  downloadLocation?: string;
  mediaType?: string;
  annotations?: Record<string, unknown>;
}

/** A subject as in-toto v1 allows it: a non-empty digest set in whatever algorithms its producer chose. */
export type InTotoSubject = ResourceDescriptor & { digest: DigestSet };

/** A subject gatehouse writes: it always carries sha256, the digest by which gatehouse names artifacts. */
export type Subject = InTotoSubject & { digest: { sha256: string } };

/** in-toto Statement v1 with predicate of type P and subjects of type S. */
export interface Statement<P extends object = Record<string, unknown>, S extends InTotoSubject = Subject> {
  /** v1 for everything gatehouse emits; v0.1 is accepted from other producers (cosign attest-blob, older npm provenance). */
  _type: typeof IN_TOTO_STATEMENT_TYPE | 'https://in-toto.io/Statement/v0.1';
  subject: S[];
  predicateType: string;
  /** Optional in in-toto; some producers write null (PyPI publish attestations). */
  predicate?: P | null;
}

/** A statement as read from any producer: subjects may lack sha256, the predicate may be absent. */
export type InTotoStatement = Statement<Record<string, unknown>, InTotoSubject>;

addSchema(statementSchema);

/** Checks a statement as gatehouse reads it from others (in-toto v1 or v0.1). */
export const statementValidator: SchemaValidator<InTotoStatement> = compileSchema<InTotoStatement>(statementSchema);

/** Checks a statement gatehouse is about to sign: in-toto v1, every subject with a sha256 digest. */
export const writtenStatementValidator: SchemaValidator<Statement<object>> = compileSchema<Statement<object>>({
  $id: 'https://gatehouse.dev/schemas/in-toto/statement/v1-written.json',
  $ref: `${statementSchema.$id}#/$defs/writtenStatement`,
});

export interface StatementOptions<P extends object> {
  subjects: Subject[];
  predicateType: string;
  predicate: P;
}

/** Builds a statement for gatehouse to sign and checks it against the in-toto v1 schema. */
export function toStatement<P extends object>(options: StatementOptions<P>): Statement<P> {
  const statement: Statement<P> = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: options.subjects,
    predicateType: options.predicateType,
    predicate: options.predicate,
  };
  writtenStatementValidator.assert(statement, '<statement>', 'in-toto statement');
  return statement;
}

/**
 * Every digest a statement's subjects carry, as `<algorithm>:<digest>`
 * strings, sorted and without repeats: how the policy input lists what a
 * statement is about, whatever algorithms its producer chose.
 */
export function subjectDigests(subjects: readonly InTotoSubject[]): string[] {
  const digests = new Set<string>();
  for (const subject of subjects) {
    for (const [algorithm, value] of Object.entries(subject.digest)) digests.add(`${algorithm}:${value}`);
  }
  return [...digests].sort();
}
