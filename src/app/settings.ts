// The settings tree as the page's fields read it: each field's label, hint and rule come from
// lib/rlhf/settings.ts, so a value the CLI refuses the page refuses with the same words.
export {
  SETTING_SPECS,
  parseSetting,
  settingProblem,
  settingsToQuery,
  specOf,
  type PipelineSettings,
  type SettingGroup,
  type SettingKey,
  type SettingSpec,
} from '../lib/rlhf/settings';
import { SETTING_SPECS, type SettingGroup, type SettingSpec } from '../lib/rlhf/settings';

/** The settings a card shows, in the tree's order. */
export function specsOf(...groups: SettingGroup[]): SettingSpec[] {
  return SETTING_SPECS.filter((s) => groups.includes(s.group));
}
