// A writer process for the stores' concurrency tests (PostgreSQL, OCI registry): puts `count`
// bundles about one subject (distinct by writer and index, plus one every
// writer shares) and prints each bundle's digest once its put returned. Exits
// as the CLI would: 3 when the store is unavailable.
import { classifyError } from '../../src/error-classification.ts';
import { openStore } from '../../src/store/open.ts';
import { PostgresAttestationStore } from '../../src/store/pg-store.ts';
import { claimingBundle } from './claiming.ts';

const [url, subject, writer, count] = process.argv.slice(2) as [string, string, string, string];
const store = url.startsWith('postgres') ? new PostgresAttestationStore(url, { maxConnections: 1, connectTimeoutMs: 3000 }) : openStore(url);
try {
  for (let index = 0; index < Number(count); index++) {
    const bytes = claimingBundle([subject], index === 0 ? 'shared' : `${writer}-${index}`);
    const { bundleDigest } = await store.put(bytes);
    process.stdout.write(`${bundleDigest}\n`);
  }
} catch (error) {
  process.stderr.write(`${classifyError(error).line}\n`);
  process.exitCode = classifyError(error).exitCode;
} finally {
  await store.close();
}
