import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, found from this file (dist/io/ or src/io/), never from the working folder, so `npx` runs work anywhere. */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const BUNDLED_DATA_NAME = 'iris.csv';
export const BUNDLED_DATA_PATH = join(PACKAGE_ROOT, 'data', BUNDLED_DATA_NAME);

let cached: { name: string; version: string } | undefined;

export function packageInfo(): { name: string; version: string } {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    cached = { name: pkg.name, version: pkg.version };
  }
  return cached;
}

/**
 * The command that installs the newest release, for "upgrade" hints. The package's name comes from
 * package.json only (it is `iris-perceptron`: `iris` on the npm registry is another project).
 */
export function upgradeCommand(): string {
  return `npm install ${packageInfo().name}@latest`;
}
