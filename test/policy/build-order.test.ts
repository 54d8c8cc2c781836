// The bundle revision names the sources whatever order the file system lists
// them in: here every directory is listed backwards (most file systems list
// these in name order, which would hide a revision taken in listing order).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { stagePolicySources } from '../../src/policy/build.ts';
import { ROOT, temporaryDirectory } from '../helpers.ts';

vi.mock('node:fs/promises', async (original) => {
  const actual = await original<typeof import('node:fs/promises')>();
  const readdir = (async (...args: Parameters<typeof actual.readdir>) => ((await actual.readdir(...args)) as unknown[]).reverse()) as typeof actual.readdir;
  return { ...actual, readdir, default: { ...actual, readdir } };
});

describe('stagePolicySources, with directories listed backwards', () => {
  it('takes policies in path order and data files in name order for the revision', async () => {
    const policies = join(ROOT, 'policies');
    const rego = readdirSync(policies, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.rego'))
      .map((e) => relative(policies, join(e.parentPath, e.name)))
      .filter((path) => !path.startsWith('data/'))
      .sort();
    const data = readdirSync(join(policies, 'data')).filter((name) => name.endsWith('.yaml')).sort();
    const digest = createHash('sha256');
    for (const path of rego) digest.update(`${path}\0`).update(readFileSync(join(policies, path)));
    for (const name of data) digest.update(`data/${name}\0`).update(readFileSync(join(policies, 'data', name)));
    expect(await stagePolicySources(policies, await temporaryDirectory(), { tests: true })).toBe(`sha256:${digest.digest('hex')}`);
  });
});
