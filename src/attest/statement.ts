import statementSchema from './schemas/statement.schema.json' with { type: 'json' };
import { compileSchema, type SchemaValidator } from '../schema/validator.ts';

/** The `_type` of every in-toto Statement v1. */
export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

/** DSSE payloadType of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** A map from hash algorithm to lowercase hex digest (in-toto DigestSet). */
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

/** A statement subject: gatehouse requires a sha256 digest on every subject. */
export type Subject = ResourceDescriptor & { digest: DigestSet & { sha256: string } };

/** in-toto Statement v1 with predicate of type P. */
export interface Statement<P extends object = Record<string, unknown>> {
  /** v1 for everything gatehouse emits; v0.1 is accepted from other producers (cosign attest-blob). */
  _type: typeof IN_TOTO_STATEMENT_TYPE | 'https://in-toto.io/Statement/v0.1';
  subject: Subject[];
  predicateType: string;
  predicate?: P;
}

export const statementValidator: SchemaValidator<Statement> = compileSchema<Statement>(statementSchema);

export interface StatementOptions<P extends object> {
  subjects: Subject[];
  predicateType: string;
  predicate: P;
}

/** Builds a statement and checks it against the in-toto v1 schema. */
export function toStatement<P extends object>(options: StatementOptions<P>): Statement<P> {
  const statement: Statement<P> = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: options.subjects,
    predicateType: options.predicateType,
    predicate: options.predicate,
  };
  statementValidator.assert(statement, '<statement>', 'in-toto statement');
  return statement;
}
