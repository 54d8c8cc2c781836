import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as gatehouse from '../src/index.ts';
import { readIndex, renderAPI } from '../scripts/api-docs.ts';
import { ROOT } from './helpers.ts';

const INDEX = readFileSync(join(ROOT, 'src', 'index.ts'), 'utf8');

describe('the public surface', () => {
  it('exports, at run time, every value the index documents, and nothing it does not', () => {
    const entries = readIndex(INDEX);
    const values = entries.filter((entry) => entry.kind === 'value').map((entry) => entry.name).sort();
    for (const name of values) expect((gatehouse as Record<string, unknown>)[name], name).toBeDefined();
    expect(Object.keys(gatehouse).sort()).toEqual(values);
    // The workflow API, not the internals: a gate, a decision, a store, a policy, in a few calls.
    for (const name of ['integrityGate', 'regressionGate', 'decidePromotion', 'replayRecord', 'openStore', 'readPolicyBundle', 'buildPolicyBundle', 'gateRegistry']) expect(values).toContain(name);
    for (const internal of ['readTarGz', 'opaFileHash', 'luhn', 'progressLine', 'buildPolicyInput']) expect(values).not.toContain(internal);
    expect(entries.length).toBeLessThan(140);
  });

  it('documents each export in one line, and docs/api.md is generated from those lines', () => {
    expect(() => readIndex(`${INDEX}\nexport { ENGINE } from './version.ts';\n`)).toThrow(/an export without a one-line doc comment/);
    expect(() => readIndex('/** Two names. */\nexport {\n  a,\n} from \'./a.ts\';\n')).toThrow(/one `export \{ … \} from '…';` line each/);
    expect(readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8')).toBe(renderAPI(readIndex(INDEX)));
  });
});
