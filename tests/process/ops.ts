/**
 * A deterministic stream of vault operations from a seed, shared by the
 * crash child that performs it and the parent that checks what survived.
 *
 * @module
 */

/** One operation in the stream. */
export type Op =
  | { kind: "set"; entries: [string, string][] }
  | { kind: "delete"; names: string[] };

/** The names the stream writes: few, so writes overwrite and deletes hit. */
export const POOL: readonly string[] = Array.from(
  { length: 12 },
  (_, i) => `pool.k${i}`,
);

/** A small seeded PRNG (mulberry32): the same seed, the same stream. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(next: () => number, count: number): string[] {
  const names = new Set<string>();
  while (names.size < count) names.add(POOL[Math.floor(next() * POOL.length)]);
  return [...names];
}

/** The `index`-th operation of the stream for `seed`. */
export function opAt(seed: number, index: number): Op {
  const next = random(seed * 100_003 + index);
  const roll = next();
  if (roll < 0.45) {
    const [name] = pick(next, 1);
    return { kind: "set", entries: [[name, `v${seed}.${index}`]] };
  }
  if (roll < 0.75) {
    const names = pick(next, 2 + Math.floor(next() * 3));
    return {
      kind: "set",
      entries: names.map((name, i) => [name, `v${seed}.${index}.${i}`]),
    };
  }
  return { kind: "delete", names: pick(next, 1 + Math.floor(next() * 2)) };
}

/** Applies `op` to a model of the vault. */
export function applyOp(model: Map<string, string[]>, op: Op): void {
  if (op.kind === "set") {
    for (const [name, value] of op.entries) {
      model.set(name, [...model.get(name) ?? [], value]);
    }
  } else {
    for (const name of op.names) model.delete(name);
  }
}
