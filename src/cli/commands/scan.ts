/**
 * `scan`: where the vault's secrets leaked, exactly. The vault holds the
 * real values, so instead of guessing from patterns and entropy it looks
 * for them (current, earlier and expired, in every form a value takes when
 * it leaks) in files, in what is staged, or in all of git history, in one
 * pass per file. Findings name the place, the secret, its version and the
 * form, never the value.
 *
 * @module
 */

import type { ExportDocument, SecretsEngine } from "../../../mod.ts";
import { decodeBase64 } from "../../base64.ts";
import { isLiveEntry } from "../../rules/document.ts";
import type { Command, Context } from "../command.ts";
import { EXIT, Failure, UsageError } from "../failures.ts";
import { encodings } from "../leaks/encodings.ts";
import { shownText } from "../terminal/table.ts";
import { progress } from "../terminal/progress.ts";
import { type Match, matcher } from "../leaks/matcher.ts";
import {
  excluder,
  files,
  history,
  type Source,
  staged,
} from "../leaks/sources.ts";

/** Values shorter than this many bytes are not looked for by default. */
const DEFAULT_MIN_LENGTH = 8;

/** One value to look for: which secret, which version of it, and its bytes. */
interface Sought {
  name: string;
  version: string;
  value: string | Uint8Array;
}

/**
 * What a pattern stands for: one secret's value in one encoding, and every
 * version of the secret that holds that value (an unchanged value kept by
 * an older release as several versions is one pattern, so a place is
 * reported once).
 */
interface Meaning {
  name: string;
  versions: string[];
  encoding: string;
}

/** One finding, as `--json` prints it. */
interface Finding {
  path: string;
  line: number;
  column: number;
  name: string;
  /** The versions whose value it is, joined: `current, version 2`. */
  version: string;
  versions: string[];
  encoding: string;
}

/**
 * The patterns to look for and what each stands for, one per secret,
 * value and encoding.
 */
class Patterns {
  readonly patterns: Uint8Array[] = [];
  readonly meanings: Meaning[] = [];
  readonly #index = new Map<string, number>();

  add(
    name: string,
    version: string,
    encoding: string,
    bytes: Uint8Array,
  ): void {
    const key = `${name}\0${encoding}\0${encodeHex(bytes)}`;
    const known = this.#index.get(key);
    if (known !== undefined) {
      this.meanings[known].versions.push(version);
      bytes.fill(0);
      return;
    }
    this.#index.set(key, this.patterns.length);
    this.patterns.push(bytes);
    this.meanings.push({ name, versions: [version], encoding });
  }
}

function encodeHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function valueOf(kind: string, value: string): string | Uint8Array {
  return kind === "bytes" ? decodeBase64(value, "the bytes value") : value;
}

/** Every value of `doc` to look for: current, expired and earlier ones. */
function soughtValues(doc: ExportDocument, now: number): Sought[] {
  return doc.entries.flatMap((entry) => {
    const current: Sought = {
      name: entry.name,
      version: isLiveEntry(entry, now) ? "current" : "expired",
      value: valueOf(entry.kind, entry.value),
    };
    const earlier = (entry.versions ?? []).map((version): Sought => ({
      name: entry.name,
      version: `version ${version.version}`,
      value: valueOf(version.kind, version.value),
    }));
    return [current, ...earlier];
  });
}

function byteLength(value: string | Uint8Array): number {
  return typeof value === "string"
    ? new TextEncoder().encode(value).length
    : value.length;
}

function minLengthOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MIN_LENGTH;
  const length = Number(text);
  if (!/^[0-9]+$/.test(text) || length < 1 || length > 4096) {
    throw new UsageError("--min-length is a whole number from 1 to 4096");
  }
  return length;
}

/** The sources the options name. */
function sourcesOf({ args }: Context): AsyncGenerator<Source>[] {
  const { staged: isStaged, git } = args.values;
  if (isStaged && git !== undefined) {
    throw new UsageError("--staged and --git exclude each other");
  }
  const paths = args.operands.length > 0 ? args.operands : ["."];
  if (git !== undefined) {
    if (args.operands.length > 0) {
      throw new UsageError("--git scans the repository it names, no PATH");
    }
    return [history(git)];
  }
  if (isStaged) {
    if (paths.length > 1) throw new UsageError("--staged takes one repository");
    return [staged(paths[0])];
  }
  const excluded = excluder(args.values.exclude ?? []);
  return paths.map((path) => files(path, excluded));
}

async function readValues(
  vault: SecretsEngine,
  current: boolean,
): Promise<Sought[]> {
  const doc = await vault.exportEntries(undefined, {
    history: !current,
    expired: !current,
  });
  return soughtValues(doc, Date.now());
}

/** `scan [PATH…]`: finds the vault's values in files or git. */
export const scan: Command = {
  usage:
    "scan [PATH…] [--staged | --git[=REPO]] [--current] [--min-length 8] [--exclude GLOB]… [--json]",
  summary:
    "find where the vault's secrets leaked: in files, staged changes or all of git history; exit 1 when found",
  details: `
Looks for every value the vault holds (current, earlier versions kept, and
expired; --current for current values only) as it is, in base64 (standard
and URL-safe, at any alignment, padded or not), hex, percent-encoding, JSON
or JavaScript string escaping, and as secrets export quotes it.
  PATH…          files and directories (default .): every regular file,
                 binary ones too, skipping .git; a PATH that is a symlink
                 is followed, symlinks inside a directory are not
  --exclude G    leave out paths matching G (* ** ?), repeatable
  --staged       what git diff --cached would commit (a pre-commit hook);
                 needs --allow-run=git
  --git[=REPO]   every blob of the repository REPO (default .): all
                 branches, tags, stashes and unreachable objects, each
                 finding located by a commit and path; needs --allow-run=git
  --min-length N values shorter than N bytes are skipped (default 8)
  --json         the findings as one JSON document
Output: PATH:LINE:COL  NAME  (versions)  ENCODING, never a value; a place
whose value several versions share is one line naming them all, and control
characters in a file name are escaped (\u000a).
Exit codes: 0 nothing found, 1 found, 2 usage or access error, 3 the vault
could not be read (none there, or it failed to open).`,
  options: [
    "staged",
    "git",
    "current",
    "versions",
    "min-length",
    "exclude",
    "json",
  ],
  operands: [0, 64],
  failureCode: EXIT.error,
  async run(context): Promise<number> {
    const { args, io, open } = context;
    if (args.values.current && args.values.versions) {
      throw new UsageError("--current and --versions exclude each other");
    }
    const minLength = minLengthOf(args.values["min-length"]);
    let sources: AsyncGenerator<Source>[];
    try {
      sources = sourcesOf(context);
    } catch (error) {
      if (!(error instanceof Failure)) throw error;
      io.warn(error.message);
      return EXIT.usage;
    }
    const values = await (async () => {
      await using vault = await open();
      return await readValues(vault, args.values.current === true);
    })();
    const sought = new Patterns();
    const { patterns, meanings } = sought;
    let skipped = 0;
    for (const { name, version, value } of values) {
      if (byteLength(value) < minLength) {
        skipped++;
        continue;
      }
      for (const { encoding, bytes } of encodings(value)) {
        sought.add(name, version, encoding, bytes);
      }
      if (typeof value !== "string") value.fill(0);
    }
    const found: Finding[] = [];
    let scanned = 0;
    if (patterns.length > 0) {
      const find = matcher(patterns);
      const shown = progress(io, "scan", "files");
      let bytes = 0;
      try {
        for (const source of sources) {
          for await (const { label, chunks } of source) {
            scanned++;
            const matches: Match[] = [];
            const scanning = find.scan((match) => matches.push(match));
            for await (const chunk of chunks()) {
              scanning.feed(chunk);
              bytes += chunk.length;
              shown.update(scanned, undefined, bytes);
            }
            scanning.end();
            for (const { pattern, line, column } of matches) {
              const { name, versions, encoding } = meanings[pattern];
              const version = versions.join(", ");
              const finding = {
                path: label,
                line,
                column,
                name,
                version,
                versions,
                encoding,
              };
              found.push(finding);
              if (!args.values.json) {
                // A file name may hold a newline or an escape sequence:
                // shown raw, it would forge findings in a log.
                io.write(
                  `${
                    shownText(label)
                  }:${line}:${column}  ${name}  (${version})  ${encoding}\n`,
                );
              }
            }
          }
        }
      } catch (error) {
        if (!(error instanceof Failure)) throw error;
        io.warn(error.message);
        return EXIT.usage;
      } finally {
        shown.end();
        find.clear();
      }
    }
    if (args.values.json) io.write(`${JSON.stringify(found, null, 2)}\n`);
    const shortNote = skipped > 0
      ? `; ${skipped} value(s) shorter than ${minLength} bytes not looked for`
      : "";
    io.warn(
      `${found.length} finding(s) in ${scanned} file(s), ${
        values.length - skipped
      } value(s) looked for${shortNote}`,
    );
    return found.length > 0 ? EXIT.failed : EXIT.ok;
  },
};
