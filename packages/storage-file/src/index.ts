import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { mkdir, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname } from "node:path";
import {
  CounterError,
  type CounterStorage,
  checkpointCorrupt,
  checkpointNotFound,
  MAX_CHECKPOINT_BYTES,
  nextCounter,
  parseCheckpoint,
  serializeCheckpoint,
} from "@cell-counter/core";

export interface FileStorageOptions {
  /** The checkpoint file. Its directory is created when missing. */
  path: string;
  /** Starting value of the in-memory counter. */
  initial?: bigint;
  /** Clock for the `savedAt` field. */
  now?: () => Date;
}

export interface FileStorage extends CounterStorage {
  readonly kind: "file";
  readonly path: string;
}

const TEMPORARY_SUFFIX = ".tmp";

/**
 * Counter in memory, checkpoint in a JSON file written atomically and durably: a temporary file
 * in the same directory, fsync, rename over the old one, fsync of the directory. A crash at any
 * moment leaves the old checkpoint or the new one. Checkpoints and restores run one at a time;
 * checkpoints asked for during a write share the next one.
 * One process per file: the temporary files another process left behind are removed at start.
 */
export function createFileStorage(options: FileStorageOptions): FileStorage {
  const { path } = options;
  const directory = dirname(path);
  const now = options.now ?? (() => new Date());
  let counter = options.initial ?? 0n;
  let queue: Promise<unknown> = removeStaleTemporaryFiles(path);
  let nextCheckpoint: Promise<bigint> | undefined;

  function serially<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task);
    queue = run.catch(() => {});
    return run;
  }

  return {
    kind: "file",
    path,
    increment: () => {
      counter = nextCounter(counter);
      return counter;
    },
    current: () => counter,
    checkpoint: () => {
      // Group commit: checkpoints asked for while another write is under way share the next
      // write, which saves the value of the moment it starts, after every one of them was asked.
      if (nextCheckpoint) return nextCheckpoint;
      const write = serially(async () => {
        nextCheckpoint = undefined;
        const value = counter;
        try {
          await writeDurably(path, serializeCheckpoint(value, now()));
        } catch (error) {
          throw storageError("The checkpoint could not be saved", error);
        }
        return value;
      });
      nextCheckpoint = write;
      return write;
    },
    restore: () =>
      serially(async () => {
        counter = parseCheckpoint(await readCheckpointBytes(path));
        return counter;
      }),
    ready: async () => {
      try {
        await mkdir(directory, { recursive: true });
        const probe = temporaryPath(path);
        await (await open(probe, "wx")).close();
        await unlink(probe);
      } catch (error) {
        throw storageError(`The checkpoint directory is not writable`, error);
      }
    },
  };
}

async function writeDurably(path: string, text: string): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const existing = await stat(path).catch((error: unknown) => {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw error;
  });
  if (existing && !existing.isFile()) {
    throw new CounterError(
      "STORAGE_UNAVAILABLE",
      `The checkpoint could not be saved: its path is ${kindOf(existing)}, not a regular file.`,
    );
  }
  const temporary = temporaryPath(path);
  try {
    const file = await open(temporary, "wx", 0o644);
    try {
      await file.writeFile(text, "utf8");
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(directory, "r");
    await handle.sync();
  } catch (error) {
    // Some platforms and file systems refuse to open or fsync a directory.
    if (!["EISDIR", "EPERM", "EINVAL", "EBADF"].includes(errnoCode(error) ?? "")) throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * The checkpoint's bytes, at most one more than the limit. Opened without blocking (a FIFO with
 * no writer would hold a thread forever) and refused unless it is a regular file: `stat` says 0
 * bytes for a device or a FIFO, so the read itself is capped.
 */
async function readCheckpointBytes(path: string): Promise<Uint8Array> {
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") {
      throw checkpointNotFound();
    }
    throw storageError("The checkpoint could not be read", error);
  }
  try {
    const stats = await file.stat();
    if (!stats.isFile()) {
      throw checkpointCorrupt(`it is ${kindOf(stats)}, not a regular file`);
    }
    const buffer = new Uint8Array(MAX_CHECKPOINT_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await file.read(buffer, length, buffer.length - length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } catch (error) {
    throw storageError("The checkpoint could not be read", error);
  } finally {
    await file.close();
  }
}

function kindOf(stats: Awaited<ReturnType<typeof stat>>): string {
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isDirectory()) return "a directory";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isSocket()) return "a socket";
  return "a special file";
}

function temporaryPath(path: string): string {
  return `${path}.${process.pid}-${randomBytes(6).toString("hex")}${TEMPORARY_SUFFIX}`;
}

/** Temporary files are named `<checkpoint>.<pid>-<random>.tmp`; a crash can leave one behind. */
async function removeStaleTemporaryFiles(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  try {
    const names = await readdir(dirname(path));
    await Promise.all(
      names
        .filter((name) => name.startsWith(prefix) && name.endsWith(TEMPORARY_SUFFIX))
        .map((name) => unlink(`${dirname(path)}/${name}`).catch(() => {})),
    );
  } catch {
    // No directory yet, or not readable: the first checkpoint reports it.
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is exceeded",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOTDIR: "a part of the path is not a directory",
  EISDIR: "the path is a directory",
  EEXIST: "a part of the path is not a directory",
  EIO: "an input/output error occurred",
};

/** Errors of the file system become `STORAGE_UNAVAILABLE`; the server's paths stay out of the message. */
function storageError(what: string, error: unknown): unknown {
  const code = errnoCode(error);
  if (code === undefined) return error;
  const reason = REASONS[code] ?? `the file system answered ${code}`;
  return new CounterError("STORAGE_UNAVAILABLE", `${what}: ${reason}.`, { cause: error });
}

/** The `code` of an error raised by a system call (`ENOENT`…), or `undefined` for any other error. */
function errnoCode(error: unknown): string | undefined {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  return typeof code === "string" && typeof syscall === "string" ? code : undefined;
}
