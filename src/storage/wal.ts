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
 * The checksums have no key, so a WAL may be forged: the reader trusts no
 * number in it. It reads the file frame by frame (a sparse 40 GiB WAL costs
 * what its real frames cost), keeps offsets rather than pages until the
 * image is built, and ends the log at a frame that cannot be true (page 0,
 * or a commit claiming more pages than the database and the frames so far
 * can hold), reporting it: time and memory follow the files' sizes, never
 * the numbers written in them.
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
  /**
   * Why the log was cut short at a frame that cannot be true (a forged or
   * corrupted header), or `null`: the frames from there on are not read.
   */
  impossible: string | null;
}

/** A WAL to read: its bytes, or the path of its file (missing: empty). */
export type WalInput = Uint8Array | string;

/** Reads up to `length` bytes at `offset` of a WAL; fewer at its end. */
interface WalReader extends Disposable {
  read(offset: number, length: number): Uint8Array;
}

/** One frame of a committed transaction: its page, and where its data is. */
interface Frame {
  page: number;
  offset: number;
}

/** The frames of every committed transaction, in order, with what the scan found. */
interface WalContents extends WalScan {
  frames: Frame[];
  /** The database size in pages after the last commit, or 0. */
  pages: number;
}

function empty(): WalContents {
  return {
    pageSize: 0,
    commits: 0,
    damaged: [],
    commitsAfterDamage: 0,
    impossible: null,
    frames: [],
    pages: 0,
  };
}

function bytesReader(bytes: Uint8Array): WalReader {
  return {
    read: (offset, length) => bytes.subarray(offset, offset + length),
    [Symbol.dispose]: () => {},
  };
}

function fileReader(path: string): WalReader {
  let file: Deno.FsFile | null = null;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return {
    read(offset, length): Uint8Array {
      if (file === null) return new Uint8Array();
      const into = new Uint8Array(length);
      file.seekSync(offset, Deno.SeekMode.Start);
      let filled = 0;
      while (filled < length) {
        const n = file.readSync(into.subarray(filled));
        if (n === null || n === 0) break;
        filled += n;
      }
      return into.subarray(0, filled);
    },
    [Symbol.dispose]: () => file?.close(),
  };
}

function readerOf(wal: WalInput): WalReader {
  return typeof wal === "string" ? fileReader(wal) : bytesReader(wal);
}

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

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function validPageSize(size: number): boolean {
  return size >= 512 && size <= MAX_PAGE_SIZE && (size & (size - 1)) === 0;
}

/**
 * Scans the log behind `reader`; `databasePages` bounds what a commit may
 * claim (each frame adds at most one page to the database's).
 */
function parseWal(reader: WalReader, databasePages: number): WalContents {
  const found = empty();
  const head = reader.read(0, HEADER_BYTES);
  if (head.length < HEADER_BYTES) return found;
  const view = viewOf(head);
  const magic = view.getUint32(0);
  if (magic !== MAGIC_LITTLE_ENDIAN && magic !== MAGIC_BIG_ENDIAN) return found;
  const littleEndian = magic === MAGIC_LITTLE_ENDIAN;
  const pageSize = view.getUint32(8);
  const salts = [view.getUint32(16), view.getUint32(20)];
  let sum = checksum(view, 0, 24, littleEndian, [0, 0]);
  if (
    !validPageSize(pageSize) ||
    sum[0] !== view.getUint32(24) || sum[1] !== view.getUint32(28)
  ) {
    return found;
  }
  found.pageSize = pageSize;
  let pending: Frame[] = [];
  let pendingDamaged = false;
  let damagedBefore = false;
  const frameBytes = FRAME_HEADER_BYTES + pageSize;
  for (let at = HEADER_BYTES, number = 1;; at += frameBytes, number++) {
    const frame = reader.read(at, frameBytes);
    if (frame.length < frameBytes) break;
    const frameView = viewOf(frame);
    // A frame with other salts is left from before the log was restarted:
    // the log ends there.
    if (frameView.getUint32(8) !== salts[0]) break;
    if (frameView.getUint32(12) !== salts[1]) break;
    const page = frameView.getUint32(0);
    const commitPages = frameView.getUint32(4);
    const possible = databasePages + number;
    if (page === 0 || commitPages > possible) {
      found.impossible = page === 0
        ? `WAL frame ${number} names page 0, which no database has`
        : `WAL frame ${number} claims a database of ${commitPages} pages, more than the files can hold (${possible})`;
      break;
    }
    const stored: [number, number] = [
      frameView.getUint32(16),
      frameView.getUint32(20),
    ];
    const computed = checksum(
      frameView,
      FRAME_HEADER_BYTES,
      frameBytes,
      littleEndian,
      checksum(frameView, 0, 8, littleEndian, sum),
    );
    // The next frame chains from the stored checksum, so frames after a
    // damaged one still verify against what was written.
    sum = stored;
    if (computed[0] !== stored[0] || computed[1] !== stored[1]) {
      found.damaged.push(number);
      pendingDamaged = true;
    }
    pending.push({ page, offset: at + FRAME_HEADER_BYTES });
    if (commitPages === 0) continue;
    for (const committed of pending) found.frames.push(committed);
    pending = [];
    found.pages = commitPages;
    if (!pendingDamaged) found.commits++;
    if (damagedBefore) found.commitsAfterDamage++;
    damagedBefore ||= pendingDamaged;
    pendingDamaged = false;
  }
  return found;
}

function scanOf(contents: WalContents): WalScan {
  const { pageSize, commits, damaged, commitsAfterDamage, impossible } =
    contents;
  return { pageSize, commits, damaged, commitsAfterDamage, impossible };
}

/**
 * Scans a WAL (its bytes, or its file read frame by frame): its committed
 * transactions, any damaged frame, and any frame that cannot be true.
 */
export function scanWal(wal: WalInput): WalScan {
  using reader = readerOf(wal);
  return scanOf(parseWal(reader, Number.MAX_SAFE_INTEGER));
}

/**
 * The database as its committed WAL frames make it, assembled in memory
 * from the bytes of the database file and of its WAL (bytes, or the file
 * read frame by frame), including every transaction after a damaged frame
 * (whose page is applied as written: the rows on it then fail their own
 * MAC, and the rest of it reads). A WAL that cannot be true from its first
 * frame adds nothing: the image is the database file's. Returns it with
 * what the scan of the WAL found.
 */
export function databaseImage(
  database: Uint8Array,
  walInput: WalInput,
): { image: Uint8Array; wal: WalScan } {
  using reader = readerOf(walInput);
  const walPageSize = readerPageSize(reader);
  const databasePages = walPageSize === 0
    ? 0
    : Math.ceil(database.length / walPageSize);
  const contents = parseWal(reader, databasePages);
  const { frames, pages } = contents;
  const pageSize = frames.length > 0
    ? contents.pageSize
    : databasePageSize(database);
  const size = frames.length > 0 ? pages * pageSize : database.length;
  const image = new Uint8Array(size);
  image.set(database.subarray(0, Math.min(size, database.length)));
  for (const { page, offset } of frames) {
    const at = (page - 1) * pageSize;
    if (at + pageSize <= size) image.set(reader.read(offset, pageSize), at);
  }
  return { image, wal: scanOf(contents) };
}

/** The page size a WAL's header states, or 0 (checked by the scan). */
function readerPageSize(reader: WalReader): number {
  const head = reader.read(0, HEADER_BYTES);
  return head.length < HEADER_BYTES ? 0 : viewOf(head).getUint32(8);
}

function databasePageSize(database: Uint8Array): number {
  if (database.length < DB_PAGE_SIZE_OFFSET + 2) return 0;
  const size = (database[DB_PAGE_SIZE_OFFSET] << 8) |
    database[DB_PAGE_SIZE_OFFSET + 1];
  return size === 1 ? MAX_PAGE_SIZE : size;
}
