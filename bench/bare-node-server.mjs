#!/usr/bin/env node
/**
 * The runtime's limit for `npm run bench:serve`: a bare node:http server that reads a JSON body,
 * scores its rows with the project's built scoring code (dist/) and answers as `iris serve` does,
 * with none of a real service's work (validation beyond the shape, limits, logs, metrics, pools).
 *
 *   node bench/bare-node-server.mjs --model m.json [--port 0]
 *
 * Prints `listening on http://127.0.0.1:PORT` on stderr once it accepts requests.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
// The package's public API (src/index.ts), not its internal modules, which move.
import { loadModel } from '../dist/index.js';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'model.json' }, port: { type: 'string', default: '0' } } });
const model = await loadModel(values.model);
const { features, classes } = model;
const nScores = classes.length === 2 ? 1 : classes.length;

function answer(body) {
  const split = JSON.parse(body).dataframe_split;
  const at = features.map((name) => split.columns.indexOf(name));
  if (at.includes(-1)) throw new Error('missing feature');
  const n = split.data.length;
  const d = features.length;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = split.data[i][at[j]];
  const { predictions, scores } = model.scoreRows({ rows: n, cols: d, data });
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const s = {};
    if (nScores === 1) out[i] = { label: classes[predictions[i]], scores: scores[i] };
    else {
      for (let k = 0; k < nScores; k++) s[classes[k]] = scores[i * nScores + k];
      out[i] = { label: classes[predictions[i]], scores: s };
    }
  }
  return JSON.stringify({ predictions: out });
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200).end('\n');
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let text;
    try {
      text = answer(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error.message) }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(text);
  });
});
server.keepAliveTimeout = 65_000;
// A normal exit on SIGTERM, so that `node --cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0));
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stderr.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
