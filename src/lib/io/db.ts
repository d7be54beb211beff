// The app's one IndexedDB database, opened and upgraded only here so every store is created in one
// place. Works in a page and in a dedicated worker (IndexedDB exists in both). Bump DB_VERSION and
// add a step to `upgrade` to change the schema; never change a released step.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export const DB_NAME = 'rlhf-playground';
export const DB_VERSION = 1;
export const STORE_NAMES = ['checkpoints', 'rankings', 'demonstrations', 'session'] as const;
export type StoreName = (typeof STORE_NAMES)[number];

/** A checkpoint file as stored: the bytes plus a little of its header for listing. */
export interface StoredCheckpoint {
  name: string;
  bytes: Uint8Array;
  byteLength: number;
  stage: string;
  step?: number;
  savedAt: string;
}

/** Records in 'rankings' and 'demonstrations' get an auto-increment `id` when added without one.
 *  Their other fields are the app's to define. */
export interface KeyedRecord {
  id?: number;
  [field: string]: unknown;
}

export interface PlaygroundDB extends DBSchema {
  /** Keyed by name: 'sft', 'rm', 'policy', ... */
  checkpoints: { key: string; value: StoredCheckpoint };
  rankings: { key: number; value: KeyedRecord };
  demonstrations: { key: number; value: KeyedRecord };
  /** Free-form session state under string keys ('last', 'settings', ...). */
  session: { key: string; value: unknown };
}

export type PlaygroundDatabase = IDBPDatabase<PlaygroundDB>;

let opening: Promise<PlaygroundDatabase> | null = null;

/** The shared connection (opened once per page or worker). */
export function openPlaygroundDB(): Promise<PlaygroundDatabase> {
  if (typeof indexedDB === 'undefined') return Promise.reject(new Error('IndexedDB is not available here'));
  opening ??= openDB<PlaygroundDB>(DB_NAME, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('checkpoints');
        db.createObjectStore('rankings', { keyPath: 'id', autoIncrement: true });
        db.createObjectStore('demonstrations', { keyPath: 'id', autoIncrement: true });
        db.createObjectStore('session');
      }
    },
    // Another tab wants a newer schema: let it, and reopen on next use.
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
      opening = null;
    },
    terminated() {
      opening = null;
    },
  }).catch((err: unknown) => {
    opening = null;
    throw err;
  });
  return opening;
}
