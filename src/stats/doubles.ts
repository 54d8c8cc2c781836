// Doubles as integers in the same order, for bisection over the doubles
// themselves: the bit pattern for +0 and above, its negation below (so -0 and
// +0 share key 0, as they compare equal). Adjacent doubles have adjacent keys.
const keyBits = new Float64Array(1);
const keyWord = new BigUint64Array(keyBits.buffer);
const SIGN_BIT = 1n << 63n;

/** The key of a double: its place among the doubles in order. */
export function orderedKey(value: number): bigint {
  keyBits[0] = value;
  const word = keyWord[0]!;
  return word < SIGN_BIT ? word : SIGN_BIT - word;
}

/** The double with this key (+0 for key 0). */
export function fromOrderedKey(key: bigint): number {
  keyWord[0] = key >= 0n ? key : SIGN_BIT - key;
  return keyBits[0]!;
}
