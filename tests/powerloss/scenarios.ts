/**
 * The power-loss scenarios: what each one's child does, step by step, what
 * each acknowledged step changes, and what must hold after a cut.
 *
 * @module
 */

/** The entries `setMany` writes in its scenario. */
export const SCENARIO_ENTRIES: [string, string][] = Array.from(
  { length: 1000 },
  (_, i) => [`m${i}`, `many ${i}`],
);

/** The entries of the base vault the other scenarios start from. */
export const BASE_ENTRIES: [string, string][] = Array.from(
  { length: 20 },
  (_, i) => [`b${i}`, `base ${i}`],
);

/** The passphrase the `addPassphrase` scenario adds. */
export const ADDED_PASSPHRASE = "added at a power cut";

/** How many times the overwrite scenario writes over `b0`. */
export const OVERWRITES = 3;

/** The value the overwrite scenario's write `i` (from 1) stores. */
export function overwritten(i: number): string {
  return `b0 version ${i + 1}`;
}

type Entries = Map<string, string>;

/** One scenario. */
export interface Scenario {
  /** Its name, which the child takes. */
  name: string;
  /** What the directory holds before: nothing, an empty vault directory, the base vault. */
  start: "nothing" | "dir" | "vault";
  /** The child's scenario, when not `name`. */
  child?: string;
  /** Whether the child may read the vault's parent (to sync a new vault directory). */
  readsParent?: boolean;
  /** What each step, once acknowledged, changes in the entries. */
  steps: ((entries: Entries) => void)[];
}

const nothing = (): void => {};

/** Every scenario, in the order the test runs them. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: "create",
    start: "dir",
    steps: [nothing, (entries) => entries.set("first", "1")],
  },
  {
    name: "create with its directory",
    child: "create",
    start: "nothing",
    readsParent: true,
    steps: [nothing, (entries) => entries.set("first", "1")],
  },
  {
    name: "set",
    start: "vault",
    steps: Array.from(
      { length: 5 },
      (_, i) => (entries: Entries) => entries.set(`k${i}`, `v${i}`),
    ),
  },
  {
    // Each write moves the value it replaces into history.
    name: "overwrite",
    start: "vault",
    steps: Array.from(
      { length: OVERWRITES },
      (_, i) => (entries: Entries) => entries.set("b0", overwritten(i + 1)),
    ),
  },
  {
    name: "setMany",
    start: "vault",
    steps: [
      (entries) => SCENARIO_ENTRIES.forEach(([n, v]) => entries.set(n, v)),
    ],
  },
  {
    name: "delete",
    start: "vault",
    steps: Array.from(
      { length: 3 },
      (_, i) => (entries: Entries) => entries.delete(`b${i}`),
    ),
  },
  {
    name: "close",
    start: "vault",
    steps: [(entries) => entries.set("c", "1"), nothing],
  },
  ...["addPassphrase", "removeSlot", "rebind", "rotate"].map((name) => ({
    name,
    start: "vault" as const,
    steps: [nothing],
  })),
];

/** The entries after the first `acked` steps of `scenario`. */
export function expectedEntries(scenario: Scenario, acked: number): Entries {
  const entries = new Map(scenario.start === "vault" ? BASE_ENTRIES : []);
  for (const step of scenario.steps.slice(0, acked)) step(entries);
  return entries;
}
