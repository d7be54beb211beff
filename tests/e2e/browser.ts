// Headless Chromium with WebGPU on SwiftShader (see docs: ENVIRONMENT.md). Without the Vulkan flags
// WebGPU initialises but computes zeros, so these flags are part of what the tests check.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { serveStatic, type StaticServer } from './static-server';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile directory (a persistent context), removed again on close. */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'rlhf-e2e-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    acceptDownloads: true,
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() },
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface ConsoleProblem {
  kind: 'console' | 'pageerror';
  text: string;
  url?: string;
}

/** Collects console errors and uncaught page errors (workers' console messages included). */
export function collectProblems(page: Page): ConsoleProblem[] {
  const problems: ConsoleProblem[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error') problems.push({ kind: 'console', text: msg.text(), url: msg.location().url });
  });
  page.on('pageerror', (err) => problems.push({ kind: 'pageerror', text: `${err.name}: ${err.message}` }));
  return problems;
}

/** The page's alert region text ('' when no error is shown). */
export async function alertText(page: Page): Promise<string> {
  return ((await page.getByRole('alert').textContent()) ?? '').trim();
}

export interface OpenedApp {
  server: StaticServer;
  browser: LaunchedBrowser;
  page: Page;
  problems: ConsoleProblem[];
}

/** Serves the built app in `dist` on a free port and opens a page on it in a fresh Chromium profile. */
export async function openBuiltApp(dist: string): Promise<OpenedApp> {
  if (!existsSync(join(dist, 'index.html'))) throw new Error('dist/index.html is missing: run `npx vite build` first (npm run test:e2e does)');
  const server = await serveStatic(dist);
  const browser = await launchChromium();
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  return { server, browser, page, problems: collectProblems(page) };
}

/** Opens the page's "Advanced" area (the model panel and checkpoints), closed by default. */
export async function openAdvanced(page: Page): Promise<void> {
  const details = page.getByTestId('advanced');
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator('summary').click();
}
