import { Option, type Command } from 'commander';
import { InputError } from '../../src/error.ts';
import type { InventoryHead } from '../../src/store/inventory.ts';
import { ExitError, EXIT } from '../exit.ts';
import { addStoreOption, collect, storeFrom, type StoreFlags } from '../options.ts';
import { printJSON, type Output } from '../output.ts';

export function registerStore(program: Command, output: Output): void {
  const store = program.command('store').description('look after an attestation store: its schema and its inventory');

  addStoreOption(store.command('migrate').description("apply the store's schema migrations (a PostgreSQL store); nothing to do when up to date"), 'the store to migrate')
    .option('--json', 'print what was applied as JSON')
    .action(async (flags: StoreFlags & { json?: boolean }) => {
      const opened = await storeFrom(flags);
      try {
        const { PostgresAttestationStore } = await import('../../src/store/pg-store.ts');
        if (!(opened instanceof PostgresAttestationStore)) throw new InputError({ code: 'USAGE', message: `--store ${opened.uri}: this store has no schema to migrate (only postgres:// stores do)` });
        const applied = await opened.migrate();
        const { SCHEMA_VERSION } = await import('../../src/store/migrations.ts');
        if (flags.json) printJSON(output, { store: opened.uri, schemaVersion: SCHEMA_VERSION, applied });
        else output.out(applied.length === 0 ? `${opened.uri}: schema version ${SCHEMA_VERSION}, up to date` : `${opened.uri}: applied migration ${applied.join(', ')}; schema version ${SCHEMA_VERSION}`);
      } finally {
        await opened.close();
      }
    });

  addStoreOption(
    store
      .command('check')
      .description("verify the store's inventory: the hash chain of every bundle ever put links up, every bundle is still there with its bytes, and every head a decision saw is on the chain; exit 1 on any deletion or rewrite"),
    'the store to check',
  )
    .addOption(new Option('--head <sequence:sha256>', 'also require this inventory head (as a decision record or an earlier check printed it); repeatable').argParser(collect))
    .option('--json', 'print the outcome as JSON')
    .action(async (flags: StoreFlags & { head?: string[]; json?: boolean }) => {
      const expected = (flags.head ?? []).map(parseHead);
      const opened = await storeFrom(flags);
      try {
        const check = await opened.checkInventory(expected);
        if (check === null) throw new InputError({ code: 'USAGE', message: `--store ${opened.uri}: this store keeps no inventory` });
        if (flags.json) {
          printJSON(output, { store: opened.uri, ok: check.problems.length === 0, head: check.head, problems: check.problems, unlisted: check.unlisted });
        } else if (check.problems.length === 0) {
          output.out(`intact: ${opened.uri}: inventory head ${check.head.sequence}:${check.head.head}`);
        } else {
          output.out(`TAMPERED: ${opened.uri}:`);
          for (const problem of check.problems) output.out(`  ${problem}`);
        }
        // Outside the inventory is not tampering (such a bundle is still judged on its signature), but it is said.
        if (!flags.json && check.unlisted.length > 0) output.out(`${check.unlisted.length} bundle(s) outside the inventory (put before it was kept, or added around the store): ${check.unlisted.slice(0, 5).join(', ')}${check.unlisted.length > 5 ? ', …' : ''}`);
        if (check.problems.length > 0) throw new ExitError(EXIT.failed);
      } finally {
        await opened.close();
      }
    });
}

/** A --head value: `<sequence>:<64 hex>`. */
function parseHead(value: string): InventoryHead {
  const match = /^(\d{1,15}):([0-9a-f]{64})$/.exec(value);
  if (match === null) throw new InputError({ code: 'USAGE', message: `--head: expected <sequence>:<64 lowercase hex>, got ${JSON.stringify(value)}` });
  return { sequence: Number(match[1]), head: match[2]! };
}
