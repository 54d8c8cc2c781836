import type { Command } from 'commander';
import { InputError } from '../../src/error.ts';
import { digestHex } from '../../src/digest/artifact.ts';
import { writeFileAtomic } from '../../src/io/atomic.ts';
import { readJSONFile } from '../../src/io/read.ts';
import { addSigningOptions, resolveSubject, signingFrom, type SigningFlags } from '../options.ts';
import { printJSON, type Output } from '../output.ts';

interface AttestFlags extends SigningFlags {
  subject: string;
  subjectName?: string;
  predicateType: string;
  predicate: string;
  out: string;
  json?: boolean;
}

export function registerAttest(program: Command, output: Output): void {
  addSigningOptions(
    program
      .command('attest')
      .description('sign an in-toto statement about an artifact as a DSSE envelope in a Sigstore bundle')
      .requiredOption('--subject <path|sha256:hex>', 'the artifact: a file or model directory (hashed now), or its digest')
      .option('--subject-name <name>', 'name recorded for the subject (default: the file or directory name)')
      .requiredOption('--predicate-type <uri>', 'the predicate type URI')
      .requiredOption('--predicate <file.json>', 'the predicate, a JSON object')
      .requiredOption('--out <file.sigstore.json>', 'where to write the bundle'),
  )
    .option('--json', 'print the statement as JSON')
    .action(async (flags: AttestFlags) => {
      const [{ gateRegistry }, { toStatement }, { signStatement }, { serializeBundle }] = await Promise.all([
        import('../../src/gates/registry.ts'),
        import('../../src/attest/statement.ts'),
        import('../../src/sign/attest.ts'),
        import('../../src/store/serialize.ts'),
      ]);
      const predicate = await readJSONFile(flags.predicate);
      if (predicate === null || typeof predicate !== 'object' || Array.isArray(predicate)) {
        throw new InputError({ code: 'SCHEMA_INVALID', message: 'the predicate must be a JSON object', path: flags.predicate });
      }
      // A gatehouse predicate type promises its schema: refuse to sign one that breaks it.
      gateRegistry.byPredicateType(flags.predicateType)?.predicateValidator.assert(predicate, flags.predicate, `${flags.predicateType} predicate`);
      const signing = await signingFrom(flags);
      const subject = await resolveSubject(flags.subject, flags.subjectName);
      const statement = toStatement({
        subjects: [{ name: subject.name, digest: { sha256: digestHex(subject.digest) } }],
        predicateType: flags.predicateType,
        predicate: predicate as Record<string, unknown>,
      });
      const bundle = await signStatement(statement, signing);
      await writeFileAtomic(flags.out, serializeBundle(bundle));
      if (flags.json) printJSON(output, { out: flags.out, statement });
      else output.out(`wrote ${flags.out}: ${flags.predicateType} about ${subject.digest}`);
    });
}
