// What changed between SFT's answer and another model's to the same prompt, in words, for the
// side-by-side samples (the change RLHF made is the point of the comparison).
import type { JudgedText } from '../worker/protocol';

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
