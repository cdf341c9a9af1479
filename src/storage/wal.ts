/**
 * SQLite's write-ahead log read by the engine itself, never by SQLite: a
 * recovery must show what the WAL holds without changing a byte of any
 * vault file (SQLite's own reader writes `-shm` and, as the last
 * connection, checkpoints the log away), and an open must notice a log
 * that goes on past a damaged frame, which SQLite silently treats as its
 * end.
 *
 * The format is SQLite's (https://sqlite.org/fileformat2.html#walformat):
 * a 32-byte header, then frames of a 24-byte header and one page. A frame
 * belongs to the log while its salts match the header's; its checksum
 * chains from the previous frame's. Frames apply only once a commit frame
 * (one that records the database size) closes their transaction.
 *
 * @module
 */

const HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;
const MAGIC_LITTLE_ENDIAN = 0x377f0682;
const MAGIC_BIG_ENDIAN = 0x377f0683;
const DB_PAGE_SIZE_OFFSET = 16;
const MAX_PAGE_SIZE = 65536;

/** What a scan of the WAL found. */
export interface WalScan {
  /** The page size the log was written with (0 when it holds no frame). */
  pageSize: number;
  /** Committed transactions whose every frame verifies. */
  commits: number;
  /** Frames whose checksum fails, by frame number from 1. */
  damaged: number[];
  /**
   * Committed transactions after the one holding the first damaged frame:
   * acknowledged writes SQLite's own reader would not show. (A damaged
   * frame in the last transaction is a write torn by a crash before it was
   * acknowledged: normal, and not counted.)
   */
  commitsAfterDamage: number;
}

/** One frame of a committed transaction. */
interface Frame {
  page: number;
  data: Uint8Array;
}

/** The frames of every committed transaction, in order, with what the scan found. */
interface WalContents extends WalScan {
  frames: Frame[];
  /** The database size in pages after the last commit, or 0. */
  pages: number;
}

const EMPTY: WalContents = {
  pageSize: 0,
  commits: 0,
  damaged: [],
  commitsAfterDamage: 0,
  frames: [],
  pages: 0,
};

function checksum(
  view: DataView,
  from: number,
  to: number,
  littleEndian: boolean,
  seed: [number, number],
): [number, number] {
  let [s0, s1] = seed;
  for (let at = from; at < to; at += 8) {
    s0 = (s0 + view.getUint32(at, littleEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(at + 4, littleEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

function validPageSize(size: number): boolean {
  return size >= 512 && size <= MAX_PAGE_SIZE && (size & (size - 1)) === 0;
}

function parseWal(wal: Uint8Array): WalContents {
  if (wal.length < HEADER_BYTES) return EMPTY;
  const view = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const magic = view.getUint32(0);
  if (magic !== MAGIC_LITTLE_ENDIAN && magic !== MAGIC_BIG_ENDIAN) return EMPTY;
  const littleEndian = magic === MAGIC_LITTLE_ENDIAN;
  const pageSize = view.getUint32(8);
  const salts = [view.getUint32(16), view.getUint32(20)];
  let sum = checksum(view, 0, 24, littleEndian, [0, 0]);
  if (
    !validPageSize(pageSize) ||
    sum[0] !== view.getUint32(24) || sum[1] !== view.getUint32(28)
  ) {
    return EMPTY;
  }
  const found: WalContents = { ...EMPTY, pageSize, damaged: [], frames: [] };
  let pending: Frame[] = [];
  let pendingDamaged = false;
  let damagedBefore = false;
  const frameBytes = FRAME_HEADER_BYTES + pageSize;
  for (
    let at = HEADER_BYTES, number = 1;
    at + frameBytes <= wal.length;
    at += frameBytes, number++
  ) {
    // A frame with other salts is left from before the log was restarted:
    // the log ends there.
    if (view.getUint32(at + 8) !== salts[0]) break;
    if (view.getUint32(at + 12) !== salts[1]) break;
    const stored: [number, number] = [
      view.getUint32(at + 16),
      view.getUint32(at + 20),
    ];
    const computed = checksum(
      view,
      at + FRAME_HEADER_BYTES,
      at + frameBytes,
      littleEndian,
      checksum(view, at, at + 8, littleEndian, sum),
    );
    // The next frame chains from the stored checksum, so frames after a
    // damaged one still verify against what was written.
    sum = stored;
    if (computed[0] !== stored[0] || computed[1] !== stored[1]) {
      found.damaged.push(number);
      pendingDamaged = true;
    }
    pending.push({
      page: view.getUint32(at),
      data: wal.subarray(at + FRAME_HEADER_BYTES, at + frameBytes),
    });
    const commitPages = view.getUint32(at + 4);
    if (commitPages === 0) continue;
    found.frames.push(...pending);
    pending = [];
    found.pages = commitPages;
    if (!pendingDamaged) found.commits++;
    if (damagedBefore) found.commitsAfterDamage++;
    damagedBefore ||= pendingDamaged;
    pendingDamaged = false;
  }
  return found;
}

/**
 * Scans a WAL's bytes: its committed transactions and any damaged frame.
 *
 * @example Calling scanWal
 * ```ts
 * import { scanWal } from "./wal.ts";
 * import assert from "node:assert/strict";
 * assert.equal(scanWal(new Uint8Array()).commits, 0);
 * ```
 */
export function scanWal(wal: Uint8Array): WalScan {
  const { pageSize, commits, damaged, commitsAfterDamage } = parseWal(wal);
  return { pageSize, commits, damaged, commitsAfterDamage };
}

/**
 * The database as its committed WAL frames make it, assembled in memory
 * from the bytes of the database file and of its WAL, including every
 * transaction after a damaged frame (whose page is applied as written:
 * the rows on it then fail their own MAC, and the rest of it reads).
 * Returns it with what the scan of the WAL found.
 *
 * @example Calling databaseImage
 * ```ts
 * import { databaseImage } from "./wal.ts";
 * import assert from "node:assert/strict";
 * const { image, wal } = databaseImage(new Uint8Array(4096), new Uint8Array());
 * assert.equal(image.length, 4096);
 * assert.equal(wal.commits, 0);
 * ```
 */
export function databaseImage(
  database: Uint8Array,
  walBytes: Uint8Array,
): { image: Uint8Array; wal: WalScan } {
  const contents = parseWal(walBytes);
  const { frames, pages, ...wal } = contents;
  const pageSize = frames.length > 0
    ? wal.pageSize
    : databasePageSize(database);
  const size = frames.length > 0 ? pages * pageSize : database.length;
  const image = new Uint8Array(size);
  image.set(database.subarray(0, Math.min(size, database.length)));
  for (const { page, data } of frames) {
    const offset = (page - 1) * pageSize;
    if (page >= 1 && offset + pageSize <= size) image.set(data, offset);
  }
  return { image, wal };
}

function databasePageSize(database: Uint8Array): number {
  if (database.length < DB_PAGE_SIZE_OFFSET + 2) return 0;
  const size = (database[DB_PAGE_SIZE_OFFSET] << 8) |
    database[DB_PAGE_SIZE_OFFSET + 1];
  return size === 1 ? MAX_PAGE_SIZE : size;
}
