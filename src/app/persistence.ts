// What the page keeps in IndexedDB: every ranking (saved the moment it is made) and the page's
// record (settings, metric history, the reward model's report) that "resume" reads after a
// reload. The run itself (its state and models) is saved by the worker at each phase boundary
// (stores 'session' key 'program' and 'checkpoints'); the page only asks whether one is there.
// No tf here: this module is part of the page bundle.
import { openPlaygroundDB, type KeyedRecord } from '../lib/io/db';
import { isRanking, type Ranking } from '../lib/io/rankings';
import type { PipelineSettings, RewardModelReport } from '../lib/rlhf';
import type { MetricPoint, StageName } from '../worker/protocol';

export interface SavedSession {
  version: 2;
  settings?: PipelineSettings;
  /** Metric history per stage (capped). */
  metrics?: Partial<Record<StageName, MetricPoint[]>>;
  rmReport?: RewardModelReport | null;
  savedAt: string;
}

/** Where a saved run stands (read from the worker's saved state). */
export interface SavedRun {
  phase: string;
  round: number;
}

export interface PlaygroundStore {
  loadRankings(): Promise<Ranking[]>;
  /** Adds or replaces rankings by id (one transaction). */
  putRankings(rankings: readonly Ranking[]): Promise<void>;
  loadSession(): Promise<SavedSession | null>;
  saveSession(session: SavedSession): Promise<void>;
  /** The run the worker saved at its last phase boundary, or null. */
  savedRun(): Promise<SavedRun | null>;
}

const SESSION_KEY = 'last';


/** The browser store (IndexedDB database 'rlhf-playground'). */
export function createIdbStore(): PlaygroundStore {
  return {
    async loadRankings() {
      const db = await openPlaygroundDB();
      const all = await db.getAll('rankings');
      return (all as unknown[]).filter(isRanking).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    async putRankings(rankings) {
      const db = await openPlaygroundDB();
      const tx = db.transaction('rankings', 'readwrite');
      // The store's keyPath is 'id'; rankings carry string ids, which IndexedDB accepts as keys.
      await Promise.all([...rankings.map((r) => tx.store.put({ ...r } as unknown as KeyedRecord)), tx.done]);
    },
    async loadSession() {
      const db = await openPlaygroundDB();
      const value = (await db.get('session', SESSION_KEY)) as SavedSession | undefined;
      // Version 1 records (stage settings of the page's old, separate loop) are not resumable.
      return value && value.version === 2 ? value : null;
    },
    async saveSession(session) {
      const db = await openPlaygroundDB();
      await db.put('session', JSON.parse(JSON.stringify(session)) as SavedSession, SESSION_KEY);
    },
    async savedRun() {
      const db = await openPlaygroundDB();
      const state = (await db.get('session', 'program')) as Partial<SavedRun> | undefined;
      return state && typeof state.phase === 'string' && typeof state.round === 'number' ? { phase: state.phase, round: state.round } : null;
    },
  };
}

/** An in-memory store (tests, or a browser without IndexedDB). */
export function createMemoryStore(initial: Ranking[] = []): PlaygroundStore & { rankings: Map<string, Ranking>; session: SavedSession | null; run: SavedRun | null } {
  const rankings = new Map(initial.map((r) => [r.id, r]));
  return {
    rankings,
    session: null,
    run: null,
    async loadRankings() {
      return [...rankings.values()];
    },
    async putRankings(list) {
      for (const r of list) rankings.set(r.id, structuredClone(r));
    },
    async loadSession() {
      return this.session;
    },
    async saveSession(s) {
      this.session = structuredClone(s);
    },
    async savedRun() {
      return this.run;
    },
  };
}
