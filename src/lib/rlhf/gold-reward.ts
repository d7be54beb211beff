// PPO's reward from the gold judge itself: a reward model that is never wrong. A pipeline run with
// it (`--reward gold`) measures how far PPO could go at a given budget if the reward model were
// perfect, which separates "the reward model is too weak" from "the policy cannot get there".
import type { RewardFn } from '../train';
import { decode } from '../tokenizer';
import { judge } from '../world';
import { encodePrompt } from '../world/format';
import type { PromptItem } from '../world/types';

/**
 * Gold scores are scaled up to the reward model's spread so that beta means the same against
 * both: on SFT samples of the default run the RM's scores spread 0.39 (std) among the answers to
 * one prompt, gold's 0.042.
 */
export const GOLD_REWARD_SCALE = 10;

/** A RewardFn scoring responses to `items` by gold: (score - center) * scale. */
export function goldRewardFn(items: readonly PromptItem[], center: number, scale = GOLD_REWARD_SCALE): RewardFn {
  const byPrompt = new Map(items.map((item) => [encodePrompt(item.prompt).join(','), item]));
  return async (prompts, responses) =>
    responses.map((response, i) => {
      const item = byPrompt.get(prompts[i].join(','));
      if (!item) throw new Error(`gold reward: a prompt outside the pool (${decode(prompts[i]).slice(0, 60)})`);
      return (judge(item, decode(response)).score - center) * scale;
    });
}
