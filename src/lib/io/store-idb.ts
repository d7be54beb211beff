// Checkpoints in IndexedDB (page and worker), keyed by name such as 'sft', 'rm', 'policy'.
// The bytes are the same single-file format as downloads and Node files (see checkpoint.ts).
import { CheckpointError, parseCheckpoint } from './checkpoint.ts';
import { openPlaygroundDB, type StoredCheckpoint } from './db.ts';

export type CheckpointInfo = Omit<StoredCheckpoint, 'bytes'>;

/** Stores the bytes under `name`, replacing any earlier one. Refuses bytes that do not parse, so
 *  the store only ever holds loadable checkpoints. */
export async function saveCheckpoint(name: string, bytes: Uint8Array): Promise<CheckpointInfo> {
  if (!name) throw new CheckpointError('a checkpoint needs a name');
  const parsed = parseCheckpoint(bytes);
  const record: StoredCheckpoint = {
    name,
    bytes: bytes.slice(), // its own buffer: never stores a view onto something larger
    byteLength: bytes.byteLength,
    stage: parsed.meta.stage,
    ...(typeof parsed.meta.step === 'number' ? { step: parsed.meta.step } : {}),
    savedAt: new Date().toISOString(),
  };
  const db = await openPlaygroundDB();
  await db.put('checkpoints', record, name);
  const { bytes: _bytes, ...info } = record;
  return info;
}

/** The stored bytes, or null when there is no checkpoint of that name. */
export async function loadCheckpoint(name: string): Promise<Uint8Array | null> {
  const db = await openPlaygroundDB();
  const record = await db.get('checkpoints', name);
  return record ? record.bytes : null;
}

/** Every stored checkpoint's name, stage, step, size and save time, by name. */
export async function listCheckpoints(): Promise<CheckpointInfo[]> {
  const db = await openPlaygroundDB();
  const records = await db.getAll('checkpoints');
  return records.map(({ bytes: _bytes, ...info }) => info).sort((a, b) => a.name.localeCompare(b.name));
}

export async function deleteCheckpoint(name: string): Promise<void> {
  const db = await openPlaygroundDB();
  await db.delete('checkpoints', name);
}

/** Key of the saved run's state (lib/rlhf's SessionSnapshot) in the 'session' store. */
const PROGRAM_KEY = 'program';

/** Saves the run's state (null forgets it). Plain JSON: the models are checkpoints beside it. */
export async function saveProgramState(state: unknown | null): Promise<void> {
  const db = await openPlaygroundDB();
  if (state === null) await db.delete('session', PROGRAM_KEY);
  else await db.put('session', JSON.parse(JSON.stringify(state)), PROGRAM_KEY);
}

export async function loadProgramState(): Promise<unknown | null> {
  const db = await openPlaygroundDB();
  return (await db.get('session', PROGRAM_KEY)) ?? null;
}
