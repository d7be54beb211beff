// Turning the world's text data into what the trainers take: demonstrations into SFT examples,
// text rankings (src/lib/io/rankings.ts, what people make and files hold) into token rankings.
import { encodeExchange, encodePrompt, encodeResponse } from '../world/format';
import { rankingFromTiers, type SftExample, type TokenRanking } from '../train';
import { orderProblem, type Ranking } from '../io/rankings';
import { hashString } from '../random';

export interface TextDemonstration {
  prompt: string;
  response: string;
}

export function sftExamplesFrom(demos: readonly TextDemonstration[]): SftExample[] {
  return demos.map((d) => encodeExchange(d.prompt, d.response));
}

/**
 * A text ranking as token ids, its tiers kept (order + ties; tokenRankingTiers gives them back),
 * so ties reach the reward model's loss as "no pair". Every response is scored as a finished
 * answer (text + EOS). Responses that encode alike (the same text, or texts differing only in
 * case) or that are alike once the trainer cuts them to its maxLength are tied there
 * (tokenRankingPairs): they never form a pair. An invalid order is refused, naming the prompt.
 */
export function tokenRankingFrom(ranking: Pick<Ranking, 'prompt' | 'responses' | 'order'>): TokenRanking {
  const problem = orderProblem(ranking.order, ranking.responses.length);
  if (problem) throw new Error(`the ranking of ${JSON.stringify(ranking.prompt.slice(0, 60))}: ${problem}`);
  return rankingFromTiers(encodePrompt(ranking.prompt), ranking.responses.map(encodeResponse), ranking.order);
}

/**
 * Splits items into train and held-out by a hash of their key, so the split is stable as more
 * items arrive (a ranking never moves from train to held-out when the set grows).
 */
export function stableSplit<T>(items: readonly T[], key: (item: T) => string, heldoutFraction: number): { train: T[]; heldout: T[] } {
  const train: T[] = [];
  const heldout: T[] = [];
  for (const item of items) {
    const bucket = (hashString(key(item)) % 1000) / 1000;
    (bucket < heldoutFraction ? heldout : train).push(item);
  }
  return { train, heldout };
}
