import { loadConfig } from '../io/config.js';
import { validateConfig, type Config } from './settings.js';

export async function loadSettingsConfig(explicitPath: string | undefined, cwd: string): Promise<Config> {
  const { filepath, config } = await loadConfig(explicitPath, cwd);
  return validateConfig(filepath, config);
}
