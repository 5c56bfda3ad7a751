import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Most files spend their time waiting for the processes they spawn (the built CLI, servers,
    // Redis, a browser). vitest's default of one worker per core but one runs them one after another
    // on a 2-core machine while a core idles; two at a time took a subset from 52 to 38 s there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    minWorkers: 1,
  },
});
