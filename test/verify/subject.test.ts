import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/error.ts';
import type { InTotoSubject } from '../../src/attest/statement.ts';
import { ARTIFACT_DIGEST_ALGORITHMS, artifactDigestsOf, isAbout, isDigestReference, parseArtifactDigest, subjectAlgorithms } from '../../src/verify/subject.ts';
import { MODEL_TREE, ROOT, temporaryDirectory, tool } from '../helpers.ts';

const sha256 = 'ab'.repeat(32);
const sha512 = 'cd'.repeat(64);

describe('parseArtifactDigest', () => {
  it('reads sha256, sha384 and sha512 digests, lower-cased', () => {
    expect(parseArtifactDigest(` SHA512:${sha512.toUpperCase()} `, '--subject')).toBe(`sha512:${sha512}`);
    expect(parseArtifactDigest(`sha384:${'ef'.repeat(48)}`, '--subject')).toBe(`sha384:${'ef'.repeat(48)}`);
    expect(isDigestReference(`sha256:${sha256}`)).toBe(true);
    expect(isDigestReference('./model')).toBe(false);
  });

  it('refuses weak algorithms and digests of the wrong length', () => {
    for (const value of [`md5:${'ab'.repeat(16)}`, `sha1:${'ab'.repeat(20)}`, `sha512:${sha256}`, `sha256:${sha256}0`]) {
      expect(() => parseArtifactDigest(value, '--subject'), value).toThrowError(expect.objectContaining({ code: 'DIGEST_INVALID' }));
    }
    expect(() => parseArtifactDigest('sha1:00', '--subject')).toThrowError(InputError);
    // The refusal names the flag and the value as given, and what is accepted.
    expect(() => parseArtifactDigest(' sha1:00', '--subject')).toThrowError(/^--subject: expected sha256:, sha384: or sha512: and the hex digest, got " sha1:00"$/);
  });
});

describe('isAbout', () => {
  const subjects: InTotoSubject[] = [{ name: 'tarball', digest: { sha512 } }, { digest: { sha256, md5: 'ab'.repeat(16) } }];

  it('matches a subject by any accepted algorithm it carries', () => {
    expect(isAbout(subjects, [`sha512:${sha512}`])).toBe(true);
    expect(isAbout(subjects, [`sha256:${'00'.repeat(32)}`, `sha256:${sha256}`])).toBe(true);
    expect(subjectAlgorithms(subjects)).toEqual(['sha256', 'sha512']);
  });

  it('never matches by a weak algorithm, another digest, or the same hex under another algorithm', () => {
    expect(isAbout(subjects, [`md5:${'ab'.repeat(16)}`])).toBe(false);
    expect(isAbout(subjects, [`sha512:${'00'.repeat(64)}`])).toBe(false);
    expect(isAbout([{ digest: { sha384: sha512.slice(0, 96) } }], [`sha512:${sha512}`])).toBe(false);
  });
});

describe('artifactDigestsOf', () => {
  it('hashes a file in each algorithm asked for', async () => {
    const dir = await temporaryDirectory();
    const file = join(dir, 'pkg.tgz');
    writeFileSync(file, 'tarball bytes');
    const digests = await artifactDigestsOf(file, ['sha256', 'sha512']);
    expect(digests).toEqual(['sha256', 'sha512'].map((algorithm) => `${algorithm}:${createHash(algorithm).update('tarball bytes').digest('hex')}`));
  });

  it('names a model directory only by its sha256 manifest digest', async () => {
    const digests = await artifactDigestsOf(MODEL_TREE, ['sha256', 'sha512']);
    expect(digests).toEqual([`sha256:${JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'golden', 'model-signing-digests.json'), 'utf8')).files.digest}`]);
  });
});

describe('ARTIFACT_DIGEST_ALGORITHMS', () => {
  it('are the algorithms the policy accepts by default and the only ones its data may list', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'src', 'policy', 'schemas', 'policy-data.schema.json'), 'utf8'));
    expect(schema.properties.artifact_digest_algorithms.items.enum).toEqual([...ARTIFACT_DIGEST_ALGORITHMS]);
    const evaluated = spawnSync(tool('.tools/bin/opa'), ['eval', '--format', 'json', '--data', join(ROOT, 'policies', 'lib'), 'data.lib.default_rule_data.artifact_digest_algorithms'], { encoding: 'utf8' });
    expect(evaluated.status, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout).result[0].expressions[0].value).toEqual([...ARTIFACT_DIGEST_ALGORITHMS]);
  });
});
