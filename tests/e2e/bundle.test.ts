// The page must stay responsive while the model trains, so TensorFlow.js lives only in the worker.
// This reads the build: the chunks index.html loads (and everything they import statically) carry
// no TF.js code, while the worker's chunks do.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = join(import.meta.dirname, '..', '..', 'dist');

/** String literals only TF.js code contains (kernel and flag names survive minification). */
const TF_MARKERS = ['_FusedMatMul', 'Conv2DBackpropInput', 'WEBGL_VERSION'];

function hasTf(code: string): string[] {
  return TF_MARKERS.filter((m) => code.includes(m));
}

/** Static imports of an ES chunk (`import ... from "./x.js"` / `import "./x.js"`), as dist-relative paths. */
function staticImports(code: string, fromFile: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[^'"()]*?\bfrom\s*)?["']([^"']+\.js)["']/g)) {
    const spec = m[1];
    if (spec.startsWith('.') || spec.startsWith('/')) {
      out.push(spec.startsWith('/') ? spec.slice(1) : posix.normalize(posix.join(posix.dirname(fromFile), spec)));
    }
  }
  return out;
}

/** The chunks and everything they import statically (what loads before any dynamic import). */
function closure(roots: string[]): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    stack.push(...staticImports(readFileSync(join(dist, file), 'utf8'), file));
  }
  return [...seen];
}

/** What the page itself loads: index.html's scripts and modulepreloads, and their static imports. */
function pageChunks(): string[] {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  return closure([...html.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="\/?([^"]+\.js)"/g)].map((m) => m[1]));
}

const markersIn = (chunks: string[]) =>
  chunks.map((c) => ({ chunk: c, markers: hasTf(readFileSync(join(dist, c), 'utf8')) })).filter((o) => o.markers.length > 0);

describe('bundle split (after vite build)', () => {
  it('has a build to check', () => {
    expect(existsSync(join(dist, 'index.html')), 'run `npx vite build` first').toBe(true);
  });

  it('the scanner finds static imports', () => {
    expect(staticImports('import{a as b}from"./x-1.js";import"./y.js";export{c}from"../z.js"', 'assets/m.js')).toEqual([
      'assets/x-1.js',
      'assets/y.js',
      'z.js',
    ]);
  });

  it('the page entry and its static imports contain no TF.js', () => {
    const chunks = pageChunks();
    expect(chunks.some((c) => /^assets\/index-[\w-]+\.js$/.test(c))).toBe(true);
    expect(markersIn(chunks)).toEqual([]);
  });

  it('the worker is a separate chunk that carries TF.js', () => {
    const worker = readdirSync(join(dist, 'assets')).filter((f) => /^training\.worker-[\w-]+\.js$/.test(f));
    expect(worker.length).toBe(1);
    const workerChunks = closure([`assets/${worker[0]}`]);
    expect(pageChunks()).not.toContain(`assets/${worker[0]}`);
    expect(markersIn(workerChunks).length).toBeGreaterThan(0);
  });
});
