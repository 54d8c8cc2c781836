import type { Command } from 'commander';
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
      .requiredOption('--subject <path|sha256:hex|oci://…@sha256:hex>', 'the artifact: a file or model directory (hashed now), or its digest')
      .option('--subject-name <name>', 'name recorded for the subject (default: the file or directory name)')
      .requiredOption('--predicate-type <uri>', 'the predicate type URI')
      .requiredOption('--predicate <file.json>', 'the predicate, a JSON object')
      .requiredOption('--out <file.sigstore.json>', 'where to write the bundle'),
  )
    .option('--json', 'print the statement as JSON')
    .action(async (flags: AttestFlags) => {
      const [{ assertPredicate, attestPredicate }, { serializeBundle }] = await Promise.all([import('../../src/sign/attest.ts'), import('../../src/store/serialize.ts')]);
      const predicate = await readJSONFile(flags.predicate);
      // A gatehouse predicate type promises its schema: one that breaks it is refused before any key is read.
      await assertPredicate(flags.predicateType, predicate, flags.predicate);
      const signing = await signingFrom(flags);
      const subject = await resolveSubject(flags.subject, flags.subjectName);
      const { statement, bundle } = await attestPredicate(subject, flags.predicateType, predicate, signing, flags.predicate);
      await writeFileAtomic(flags.out, serializeBundle(bundle));
      if (flags.json) printJSON(output, { out: flags.out, statement });
      else output.out(`wrote ${flags.out}: ${flags.predicateType} about ${subject.digest}`);
    });
}
