/** Benchmark settings from the environment, checked: a bad value stops the run with its name (exit 2). */

/** Readers of `NAME=value` settings whose messages start with `tag` (e.g. `bench:serve`). */
export function settingsReader(tag) {
  function number(name, fallback, { min = 1, integer = true } = {}) {
    const text = process.env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
      console.error(`${tag}: ${name}=${text}: expected a ${integer ? 'whole ' : ''}number >= ${min}`);
      process.exit(2);
    }
    return value;
  }

  function list(name, fallback) {
    const text = process.env[name];
    return (text === undefined || text === '' ? fallback : text)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  /** A comma-separated list of whole numbers >= 1. */
  function counts(name, fallback) {
    const values = list(name, fallback).map(Number);
    if (values.length === 0 || values.some((n) => !Number.isInteger(n) || n < 1)) {
      console.error(`${tag}: ${name}: expected whole numbers >= 1, separated by commas`);
      process.exit(2);
    }
    return values;
  }

  /** Extra command-line words (split on spaces). */
  function words(name) {
    return (process.env[name] ?? '').split(/\s+/).filter((a) => a !== '');
  }

  return { number, list, counts, words };
}
