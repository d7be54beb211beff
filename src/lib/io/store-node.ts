// Node only: checkpoint files on disk. Writes are atomic (temp file in the same folder, then
// rename) so a crash mid-save never leaves a half-written checkpoint under the real name.
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CheckpointError } from './checkpoint.ts';

export async function saveCheckpointFile(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync(); // the data is on disk before the rename makes it visible
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The file's bytes (parse them with parseCheckpoint). A missing file is a CheckpointError. */
export async function loadCheckpointFile(path: string): Promise<Uint8Array> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CheckpointError(`no checkpoint file at ${path}`);
    throw err;
  }
  // A plain Uint8Array view (not a Buffer) so callers see the same type as in the browser.
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
