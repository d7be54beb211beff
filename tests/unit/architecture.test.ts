// Layering rule from docs/ARCHITECTURE.md: ui -> app -> lib, never the other way. The lib runs in
// a page, a Web Worker and Node alike, so it must not import Svelte, the app or UI layers, or
// touch the DOM. This test reads the sources, so it fails the moment someone breaks the rule.
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

  it('the import scanner sees the forbidden patterns it is meant to catch', () => {
    expect(importsOf("import { x } from '../../app/state.svelte';\nimport('../ui/Chart.svelte')")).toEqual([
      '../../app/state.svelte',
      '../ui/Chart.svelte',
    ]);
  });
});
