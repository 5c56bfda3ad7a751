/**
 * The CLI reaches the queue mode through a loader (cli may not import serve); this checks at compile
 * time (npm run lint / typecheck) and at run time that src/serve/queue/index.ts has the shape the
 * CLI declares in cli/queue-services.ts.
 */
import { expect, it } from 'vitest';
import type { QueueServices } from '../../src/cli/queue-services.js';
import * as queue from '../../src/serve/queue/index.js';

it('src/serve/queue/index.ts is what the CLI expects', () => {
  const services: QueueServices = queue;
  expect(Object.keys(services).sort()).toEqual(['checkQueueUrl', 'predictOnQueue', 'runWorker']);
});
