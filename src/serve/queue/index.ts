/**
 * The queue mode's entry points for the command line. The CLI may not import serve (the layers:
 * {cli, serve} -> lib -> io -> core), so bin/iris.js hands this module to the CLI as a loader
 * (CliEnvironment.queue), and cli/queue-services.ts declares the shape it expects;
 * test/queue/services.test.ts checks at compile time that this module has it.
 */
export { checkQueueUrl } from './connection.js';
export { predictOnQueue } from './distributed-predict.js';
export { runWorker } from './worker.js';
