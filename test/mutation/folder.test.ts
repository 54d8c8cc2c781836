import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FOLDERS, testsOf } from '../../scripts/mutation/folder.ts';
import { ROOT } from '../support/paths.ts';

describe('testsOf (per-folder mutation runs)', () => {
  it.each(FOLDERS)('runs the tests of src/%s: its own test folder and direct importers, no system suite', (folder) => {
    const tests = testsOf(folder);
    expect(tests.length).toBeGreaterThan(0);
    for (const file of tests) {
      expect(existsSync(join(ROOT, file))).toBe(true);
      expect(file).toMatch(/\.test\.ts$/);
      if (file !== 'test/cli/progress.test.ts') expect(file).not.toMatch(/^test\/(attacks|cli|interop|serve|store)\//);
      if (!file.startsWith(`test/${folder}/`)) expect(readFileSync(join(ROOT, file), 'utf8')).toContain(`src/${folder}/`);
    }
  });

  it('picks the folder tests and an importer elsewhere, and leaves out what imports another folder only', () => {
    const digest = testsOf('digest');
    expect(digest).toContain('test/digest/model.test.ts');
    expect(digest).toContain('test/decide/production.test.ts');
    expect(digest).not.toContain('test/stats/stats.test.ts');
    expect(digest).not.toContain('test/store/oci-store.test.ts');
    expect(digest).toContain('test/cli/progress.test.ts');
    expect(testsOf('stats')).toContain('test/gates/backdoor.test.ts');
  });
});

describe('mutation:folder --tests', () => {
  const folder = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'scripts', 'mutation', 'folder.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });

  it('runs only the named files of the folder\'s tests', () => {
    const listed = folder('--folder', 'gates', '--tests', 'test/gates/safety.test.ts,test/gates/bias.test.ts', '--list');
    expect([listed.status, listed.stdout]).toEqual([0, 'test/gates/safety.test.ts\ntest/gates/bias.test.ts\n']);
  });

  it('refuses a file that is not one of the folder\'s tests, naming it (exit 2)', () => {
    const refused = folder('--folder', 'gates', '--tests', 'test/gates/safety.test.ts,test/stats/stats.test.ts', '--list');
    expect([refused.status, refused.stdout, refused.stderr]).toEqual([2, '', "mutation:folder: --tests test/stats/stats.test.ts is not one of src/gates's test files (--list names them)\n"]);
  });
});
