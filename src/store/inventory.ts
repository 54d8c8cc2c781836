import { sha256Hex } from '../digest/sha256.ts';

/** The `previous` of the first link: no entry before it. */
export const INVENTORY_GENESIS = '0'.repeat(64);

/** Where a store's inventory stood: how many bundles were ever put, and the chain's head after the last. */
export interface InventoryHead {
  sequence: number;
  head: string;
}

/**
 * What a store's inventory says about one subject at a head: every bundle put
 * up to it that names the subject, and whether that head is on the store's
 * chain now (a head a decision recorded, since cut off or rewritten, is not).
 */
export interface SubjectInventory {
  head: InventoryHead;
  bundles: string[];
  onChain: boolean;
}

/** One link of the inventory: the n-th bundle ever put, and the head it makes. */
export interface InventoryLink {
  sequence: number;
  bundleDigest: string;
  previous: string;
  head: string;
}

/**
 * What a check of the whole inventory found: the head it verified up to, every
 * problem (a deletion or a rewrite; none when the store is whole), and the
 * bundles the store holds outside its inventory (put before it kept one, or
 * added around it): evidence still judged on its signature, which hides nothing.
 */
export interface InventoryCheck {
  head: InventoryHead;
  problems: string[];
  unlisted: string[];
}

/**
 * The head after appending `bundleDigest` as the `sequence`-th entry: a hash
 * over the entry and the head before it, so removing or rewriting any entry
 * (or reordering them) changes every head after it.
 */
export function inventoryHead(sequence: number, bundleDigest: string, previous: string): string {
  return sha256Hex(`gatehouse-inventory/v1\n${sequence}\n${bundleDigest}\n${previous}\n`);
}

/**
 * Checks links read in sequence order, from the first: numbered 1, 2, 3…
 * without a gap, each naming the head before it and carrying the head its
 * entry makes. Returns the problems of this batch and the head to continue
 * from; a break is reported once, then the chain is followed from the link
 * as stored so later problems are still found.
 */
export function checkLinks(links: Iterable<InventoryLink>, from: InventoryHead, problems: string[]): InventoryHead {
  let { sequence, head } = from;
  for (const link of links) {
    if (link.sequence !== sequence + 1) problems.push(`inventory entry ${sequence + 1} is missing (the next is ${link.sequence}): an entry was deleted`);
    else if (link.previous !== head) problems.push(`inventory entry ${link.sequence} does not follow entry ${sequence}: the chain was rewritten`);
    if (link.head !== inventoryHead(link.sequence, link.bundleDigest, link.previous)) problems.push(`inventory entry ${link.sequence} (sha256:${link.bundleDigest}) does not hash to its head: it was rewritten`);
    sequence = link.sequence;
    head = link.head;
  }
  return { sequence, head };
}

/** The heads a recorded decision saw (or a caller asked for) that are not on the chain whose head after each entry is `heads`. */
export function headsOffChain(seen: readonly InventoryHead[], heads: ReadonlyMap<number, string>): string[] {
  return seen
    .filter((recorded) => (recorded.sequence === 0 ? recorded.head !== INVENTORY_GENESIS : heads.get(recorded.sequence) !== recorded.head))
    .map((recorded) => `inventory head ${recorded.sequence}:${recorded.head} is not on the chain (a decision saw it, or it was asked for): entries were deleted or rewritten`);
}

/**
 * What became of each inventoried bundle (digest → its first entry and the
 * subjects it was put under), given where the store files bundles now
 * (digest → subjects): gone, or filed under fewer subjects than it names.
 */
export function filingProblems(inventoried: ReadonlyMap<string, { sequence: number; subjects: readonly string[] }>, filed: ReadonlyMap<string, readonly string[]>): string[] {
  const problems: string[] = [];
  for (const [digest, { sequence, subjects }] of inventoried) {
    const where = filed.get(digest);
    const entry = `bundle sha256:${digest} (inventory entry ${sequence})`;
    if (where === undefined) problems.push(`${entry} is gone from the store: it was deleted`);
    else if ([...where].sort().join() !== [...subjects].sort().join()) problems.push(`${entry} is filed under ${where.length} of the ${subjects.length} subjects it names: a copy was deleted`);
  }
  return problems;
}

/** The links of a chain of entries in order, numbered from 1, each head hashed afresh from the one before. */
export function chainLinks(entries: Iterable<{ bundleDigest: string }>): InventoryLink[] {
  const links: InventoryLink[] = [];
  let previous = INVENTORY_GENESIS;
  for (const entry of entries) {
    const sequence = links.length + 1;
    const head = inventoryHead(sequence, entry.bundleDigest, previous);
    links.push({ sequence, bundleDigest: entry.bundleDigest, previous, head });
    previous = head;
  }
  return links;
}
