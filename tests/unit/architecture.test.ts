// Layering rules from docs/ARCHITECTURE.md, read from the sources so a break fails at once:
// - lib runs in a page, a Web Worker and Node alike: no Svelte, app, ui or worker, no DOM;
// - the worker owns tf and the models and talks to the page only through its protocol: it imports
//   lib and its own modules, never app or ui;
// - app (the page's state) imports the worker's protocol and lib modules free of tf, never a
//   worker internal or a tf module (the page must stay responsive: tf lives in the worker);
// - ui components import app (and svelte, chart.js, each other), nothing from worker or lib.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js|svelte)$/.test(name) ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of source.matchAll(pattern)) specifiers.push(match[1] ?? match[2]);
  return specifiers;
}

describe('architecture', () => {
  const libFiles = sourceFiles(join(root, 'src', 'lib'));

  it('finds the lib sources', () => {
    expect(libFiles.length).toBeGreaterThan(3);
  });

  it('lib never imports svelte, the app, the ui or the worker', () => {
    const offenders: string[] = [];
    for (const file of libFiles) {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (/^svelte(\/|$)/.test(spec) || /(^|\/)(app|ui|worker)\//.test(spec) || spec.endsWith('.svelte')) {
          offenders.push(`${relative(root, file)} imports ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('lib never touches the DOM', () => {
    const offenders = libFiles
      .filter((file) => /\b(document|window)\s*\.|\bHTMLElement\b/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });

  const layer = (name: string) => sourceFiles(join(root, 'src', name)).map((file) => ({ file, imports: importsOf(readFileSync(file, 'utf8')) }));
  const offenders = (files: { file: string; imports: string[] }[], bad: (spec: string) => boolean): string[] =>
    files.flatMap(({ file, imports }) => imports.filter(bad).map((spec) => `${relative(root, file)} imports ${spec}`));

  it('the worker never imports the app or the ui', () => {
    expect(offenders(layer('worker'), (spec) => /(^|\/)(app|ui)\//.test(spec) || spec.endsWith('.svelte'))).toEqual([]);
  });

  it('the app imports the worker only through its protocol, and no tf module of the lib', () => {
    const tfModules = /(^|\/)lib\/(model|train|eval|backend|rlhf\/(session|pipeline|collect|score|gold-reward|data))(\/|\.|$)|^@tensorflow|(^|\/)lib\/rlhf$/;
    const bad = (spec: string) => (/(^|\/)worker\//.test(spec) && !/worker\/protocol$/.test(spec)) || /(^|\/)ui\//.test(spec) || tfModules.test(spec);
    // Type-only imports are erased from the build; the rule is about what runs.
    const runtime = layer('app').map(({ file }) => ({ file, imports: importsOf(readFileSync(file, 'utf8').replace(/^\s*(import|export) type [^;]*;/gm, '')) }));
    expect(offenders(runtime, bad)).toEqual([]);
  });

  it('ui components import the app, never the worker or the lib', () => {
    const files = [...layer('ui'), { file: join(root, 'src', 'App.svelte'), imports: importsOf(readFileSync(join(root, 'src', 'App.svelte'), 'utf8')) }];
    expect(offenders(files, (spec) => /(^|\/)(worker|lib)\//.test(spec))).toEqual([]);
  });

  it('the import scanner sees the forbidden patterns it is meant to catch', () => {
    expect(importsOf("import { x } from '../../app/state.svelte';\nimport('../ui/Chart.svelte')")).toEqual([
      '../../app/state.svelte',
      '../ui/Chart.svelte',
    ]);
  });
});
