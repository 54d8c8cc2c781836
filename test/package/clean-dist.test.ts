// `npm run build` starts by emptying dist/ (scripts/clean-dist.ts), except dist/sea/, which
// `npm run build:sea` owns. The packed package shows the effect (test/package/install.test.ts);
// this shows what is kept, on a folder of its own.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, temporaryDirectory } from '../helpers.ts';

const clean = (dist: string) => execFileSync(process.execPath, [join(ROOT, 'scripts', 'clean-dist.ts'), dist], { encoding: 'utf8' });

describe('scripts/clean-dist.ts', () => {
  it('removes everything an earlier build wrote into dist/, and keeps the single executable', async () => {
    const dist = join(await temporaryDirectory(), 'dist');
    for (const folder of ['src/gates/gone', 'cli', 'bundle/precompiled', 'sea']) mkdirSync(join(dist, folder), { recursive: true });
    writeFileSync(join(dist, 'src', 'gates', 'gone', 'index.js'), 'export {};');
    writeFileSync(join(dist, 'bundle', 'command-gone.js'), '');
    writeFileSync(join(dist, 'stray.txt'), '');
    writeFileSync(join(dist, 'sea', 'gatehouse'), 'an executable');
    clean(dist);
    expect(readdirSync(dist)).toEqual(['sea']);
    expect(readdirSync(join(dist, 'sea'))).toEqual(['gatehouse']);
  });

  it('does nothing where there is no dist/ yet', async () => {
    const dist = join(await temporaryDirectory(), 'dist');
    clean(dist);
    expect(() => readdirSync(dist)).toThrow(/ENOENT/);
  });
});
