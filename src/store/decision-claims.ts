import { parseJSON } from '../io/read.ts';
import type { InventoryHead } from './inventory.ts';

/**
 * The inventory head a decision record says its decision saw, read without
 * verifying the record: for a store's own bookkeeping (which heads must stay on
 * its chain), never for deciding. Null when it records none.
 */
export function decisionInventory(bytes: Buffer): InventoryHead | null {
  try {
    const bundle = parseJSON(bytes, 'decision record') as { dsseEnvelope?: { payload?: unknown } } | null;
    const payload = bundle?.dsseEnvelope?.payload;
    if (typeof payload !== 'string') return null;
    const statement = parseJSON(Buffer.from(payload, 'base64'), 'decision record payload') as { predicate?: { gatehouse?: { inventory?: { sequence?: unknown; head?: unknown } | null } } } | null;
    const inventory = statement?.predicate?.gatehouse?.inventory;
    if (typeof inventory?.sequence !== 'number' || typeof inventory.head !== 'string') return null;
    return { sequence: inventory.sequence, head: inventory.head };
  } catch {
    return null;
  }
}
