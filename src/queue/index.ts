/** The queue mode's entry points for the command line (imported lazily by iris worker and predict --queue). */
export { checkQueueUrl } from './connection.js';
export { predictOnQueue } from './predict.js';
export { runWorker } from './worker.js';
export { fitsOnQueue, runFitWorker } from './fits.js';
