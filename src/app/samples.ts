// What changed between SFT's answer and another model's to the same prompt, in words, for the
// side-by-side samples (the change RLHF made is the point of the comparison).
import type { AnsweringModel, JudgedText, SamplesEvent } from '../worker/protocol';

export interface ChangeFromSft {
  kind: 'better' | 'worse' | 'level' | 'same' | 'unjudged';
  text: string;
}

/** Gold differences this small read as level (the judge's grades are in steps of about 0.01). */
const LEVEL = 0.005;

export function changeFromSft(answer: JudgedText, sft: JudgedText): ChangeFromSft {
  if (answer.text === sft.text) return { kind: 'same', text: "same answer as SFT's" };
  if (answer.gold === null || sft.gold === null) return { kind: 'unjudged', text: 'differs from SFT (not judged)' };
  const diff = answer.gold - sft.gold;
  if (Math.abs(diff) < LEVEL) return { kind: 'level', text: 'different answer, same gold score as SFT' };
  return diff > 0 ? { kind: 'better', text: `better than SFT by ${diff.toFixed(2)}` } : { kind: 'worse', text: `worse than SFT by ${(-diff).toFixed(2)}` };
}

const MODEL_TITLES: Record<AnsweringModel, string> = { base: 'Base', sft: 'SFT', policy: 'PPO policy', 'policy-ptx': 'PPO-ptx policy' };

export interface SampleColumn {
  key: AnsweringModel | 'sft-best-of-n';
  title: string;
  /** answers[p]: this column's answer to the event's prompts[p]. */
  answers: JudgedText[];
  /** Read against SFT's answer (what RLHF changed): the policies and SFT's best-of-n. */
  againstSft: boolean;
}

/**
 * The table's columns in reading order: each model's answers, with SFT's best-of-n by the reward
 * model (when the event has it) right after SFT, the other way to use a reward model than PPO.
 */
export function sampleColumns(event: SamplesEvent): SampleColumn[] {
  const columns: SampleColumn[] = [];
  event.models.forEach((model, m) => {
    columns.push({ key: model, title: MODEL_TITLES[model], answers: event.rows[m], againstSft: model === 'policy' || model === 'policy-ptx' });
    if (model === 'sft' && event.bestOfN) {
      columns.push({ key: 'sft-best-of-n', title: `SFT, best of ${event.bestOfN.n} by the reward model`, answers: event.bestOfN.row, againstSft: true });
    }
  });
  return columns;
}
