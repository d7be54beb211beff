// Screenshots of the page for the README (docs/screenshots/), in headless Chromium on the built app:
// the landing page at 1280x800 and 390x844, each checked for sideways scrolling.
//
//   npx vite build && npx tsx scripts/screenshots.ts [--out docs/screenshots] [--backend wasm]
//
// With --run, it also presses "Run the whole pipeline" (the default preset unless --preset says
// otherwise), waits for the summary, screenshots it and prints the wall time beside the page's
// own first estimate of the whole run.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openBuiltApp } from '../tests/e2e/browser';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'docs/screenshots' },
    backend: { type: 'string', default: 'wasm' },
    run: { type: 'boolean', default: false },
    preset: { type: 'string', default: 'default' },
  },
});

const VIEWPORTS = [
  { name: 'landing-1280', width: 1280, height: 800 },
  { name: 'landing-390', width: 390, height: 844 },
] as const;

async function main(): Promise<void> {
  const out = resolve(values.out!);
  mkdirSync(out, { recursive: true });
  const app = await openBuiltApp(resolve('dist'));
  const { page } = app;
  const query = `?backend=${values.backend}&seed=1${values.preset === 'default' ? '' : `&preset=${values.preset}`}`;
  try {
    for (const vp of VIEWPORTS) {
      await page.setViewportSize({ width: vp.width, height: vp.height });
      await page.goto(`${app.server.url}${query}`);
      await page.getByRole('button', { name: 'Run the whole pipeline' }).waitFor();
      await page.waitForFunction(() => !(document.querySelector('button') as HTMLButtonElement | null)?.disabled);
      if (vp.name === 'landing-1280') {
        // The problem, live: the base model asked a question.
        await page.getByLabel('Prompt', { exact: true }).fill('what color is a pig?');
        await page.getByRole('button', { name: 'Generate' }).click();
        await page.getByTestId('generated-text').waitFor({ timeout: 120_000 });
        await page.evaluate(() => document.getElementById('generate-heading')!.scrollIntoView());
        await page.evaluate(() => window.scrollTo(0, 0));
      }
      await page.waitForTimeout(500);
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      await page.screenshot({ path: join(out, `${vp.name}.png`) });
      console.log(`${vp.name}.png: ${vp.width}x${vp.height}, ${sideways > 0 ? `scrolls sideways by ${sideways} px` : 'no sideways scrolling'}`);
    }
    if (values.run) {
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(`${app.server.url}${query}`);
      const start = page.getByRole('button', { name: 'Run the whole pipeline' });
      await page.waitForFunction(() => {
        const b = [...document.querySelectorAll('button')].find((x) => x.textContent?.includes('Run the whole pipeline'));
        return b !== undefined && !b.disabled;
      }, null, { timeout: 300_000 });
      // The estimate shows once the worker has measured this device's speed.
      await page.getByTestId('run-estimate').getByText(/takes about/).waitFor({ timeout: 300_000 });
      const estimate = ((await page.getByTestId('run-estimate').textContent()) ?? '').replace(/\s+/g, ' ').trim();
      const t0 = Date.now();
      await start.click();
      await page.getByTestId('summary-sentence').waitFor({ timeout: 3_600_000 });
      const minutes = (Date.now() - t0) / 60_000;
      await page.locator('#results').scrollIntoViewIfNeeded();
      await page.locator('#results').screenshot({ path: join(out, 'results.png') });
      console.log(`results.png; the whole ${values.preset} pipeline took ${minutes.toFixed(1)} min in Chromium (${values.backend}); the page estimated: ${estimate}`);
      console.log((await page.getByTestId('summary-sentence').textContent())?.trim());
    }
    if (app.problems.length > 0) console.log(`console problems: ${app.problems.map((p) => p.text).join(' | ')}`);
  } finally {
    await app.browser.close();
    await app.server.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
