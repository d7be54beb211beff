// What the page keeps in IndexedDB: every ranking (saved the moment it is made) and the session
// record (stage states, round, settings, metric history) that "resume" reads after a reload.
// Stage checkpoints are written by the worker (same database, store 'checkpoints'); the page only
// lists their names. No tf here: this module is part of the page bundle.
import { openPlaygroundDB, type KeyedRecord } from '../lib/io/db';
import type { Ranking } from '../lib/io/rankings';
import type { MetricPoint, StageName, StageSettingsMap, StageState } from '../worker/protocol';

export interface SavedStage {
  state: StageState;
  step: number;
  target: number;
}

export interface SavedSession {
  version: 1;
  round: number;
  stages: Record<StageName, SavedStage>;
  settings?: StageSettingsMap;
  /** Metric history per stage (capped). */
  metrics?: Partial<Record<StageName, MetricPoint[]>>;
  savedAt: string;
}

export interface PlaygroundStore {
  loadRankings(): Promise<Ranking[]>;
  /** Adds or replaces rankings by id (one transaction). */
  putRankings(rankings: readonly Ranking[]): Promise<void>;
  loadSession(): Promise<SavedSession | null>;
  saveSession(session: SavedSession): Promise<void>;
  /** Names of the stage checkpoints stored ('sft', 'rm', 'policy', 'base'). */
  checkpointNames(): Promise<string[]>;
}

const SESSION_KEY = 'last';

function isRanking(value: unknown): value is Ranking {
  const r = value as Partial<Ranking> | null;
  return !!r && typeof r.id === 'string' && typeof r.prompt === 'string' && Array.isArray(r.responses) && Array.isArray(r.order);
}

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
      return value && value.version === 1 ? value : null;
    },
    async saveSession(session) {
      const db = await openPlaygroundDB();
      await db.put('session', JSON.parse(JSON.stringify(session)) as SavedSession, SESSION_KEY);
    },
    async checkpointNames() {
      const db = await openPlaygroundDB();
      return (await db.getAllKeys('checkpoints')).map(String);
    },
  };
}

/** An in-memory store (tests, or a browser without IndexedDB). */
export function createMemoryStore(initial: Ranking[] = []): PlaygroundStore & { rankings: Map<string, Ranking>; session: SavedSession | null } {
  const rankings = new Map(initial.map((r) => [r.id, r]));
  return {
    rankings,
    session: null,
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
    async checkpointNames() {
      return [];
    },
  };
}
