// Prints the assistant world's vital statistics: sizes, corpus mix, demonstration coverage, gold
// scores of SFT-like candidates per family and the simulated labeler's agreement.
// Usage: npx tsx scripts/world-stats.ts [seed]

import { createRng } from '../src/lib/random';
import {
  DEFAULT_LABELER_TEMPERATURE,
  FAMILIES,
  candidateResponses,
  demonstrations,
  heldoutPrompts,
  judge,
  labelerTemperatureFor,
  measureAgreement,
  parsePrompt,
  pretrainCorpus,
  trainPrompts,
  worldWords,
} from '../src/lib/world';

const seed = Number(process.argv[2] ?? 1);
const corpus = pretrainCorpus(seed, 5000);
const qa = corpus.filter((d) => /^q: [^\n]*\na: /.test(d));
const asks = qa.filter((d) => {
  const [, prompt = '', reply = ''] = /^q: ([^\n]*)\na: ([^\n]*)/.exec(d) ?? [];
  const item = parsePrompt(prompt);
  return item !== null && judge(item, reply).continuesPrompt;
});
console.log(`vocabulary: ${worldWords().size} words; held-out prompts: ${heldoutPrompts().length}`);
console.log(`corpus: ${corpus.length} docs, mean ${(corpus.reduce((s, d) => s + d.length, 0) / corpus.length).toFixed(0)} chars`);
console.log(`  q/a docs ${qa.length}; reply is another question in ${((100 * asks.length) / qa.length).toFixed(1)}%`);
const demos = demonstrations(seed);
console.log(`demonstrations: ${demos.length}`, Object.fromEntries(FAMILIES.map((f) => [f, demos.filter((d) => d.item.family === f).length])));
const rng = createRng(seed);
for (const f of FAMILIES) {
  const items = trainPrompts(seed + 1, 600).filter((x) => x.family === f);
  const scores = items.flatMap((x) => candidateResponses(x, rng, 4).map((r) => judge(x, r).score));
  console.log(`  ${f.padEnd(10)} mean gold of SFT-like candidates ${(scores.reduce((a, b) => a + b, 0) / scores.length).toFixed(3)}`);
}
const report = measureAgreement(DEFAULT_LABELER_TEMPERATURE, createRng(seed), 20_000);
console.log(`labeler: T=${DEFAULT_LABELER_TEMPERATURE} agreement ${report.agreement.toFixed(4)} over ${report.pairs} pairs`);
console.log(`  temperature for 0.73: ${labelerTemperatureFor(0.73).toFixed(4)}, for 0.9: ${labelerTemperatureFor(0.9).toFixed(4)}`);
console.log('sample docs:');
for (const d of corpus.slice(0, 6)) console.log('  ' + JSON.stringify(d));
