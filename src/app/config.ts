// Page-level settings read from the URL and the build (no Svelte, no tf).
import { BACKEND_NAMES, isBackendName, type BackendName } from '../worker/protocol';

/** Where a trained base checkpoint ships, if it does (public/models/base/base.ckpt). */
export function baseCheckpointUrl(base: string = import.meta.env.BASE_URL, documentUrl: string = document.baseURI): string {
  return new URL(`${base.replace(/\/?$/, '/')}models/base/base.ckpt`, documentUrl).href;
}

/**
 * `?backend=wasm` or `?backend=webgl,cpu` forces an order (handy in class, when the GPU misbehaves).
 * Unknown names are dropped; nothing valid means the default order.
 */
export function backendsFromUrl(search: string): BackendName[] | undefined {
  const raw = new URLSearchParams(search).get('backend');
  if (!raw) return undefined;
  const names = raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(isBackendName);
  const unique = [...new Set(names)];
  return unique.length > 0 ? unique : undefined;
}

/** `?seed=42` makes sampling repeatable (a lecturer can share the exact demo); otherwise undefined. */
export function seedFromUrl(search: string): number | undefined {
  const raw = new URLSearchParams(search).get('seed');
  if (raw === null || !/^\d{1,10}$/.test(raw.trim())) return undefined;
  return Number(raw.trim()) >>> 0;
}

export { BACKEND_NAMES };

/** The address's query with the backend order set to `name` first, or removed (automatic) for null. */
export function withBackend(search: string, name: BackendName | null): string {
  const params = new URLSearchParams(search);
  if (name === null) params.delete('backend');
  else params.set('backend', name);
  const query = params.toString();
  return query ? `?${query}` : '';
}
