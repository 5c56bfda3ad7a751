/** What every server must answer, from the project's own scoring code (dist/), and the check of an answer. */

/** Labels and scores as the project's own scoring code gives them, to check every server's answers. */
export async function expectedAnswers(modelPath, rows) {
  // The package's public API (src/index.ts), not its internal modules, which move.
  const { loadModel } = await import('../../dist/index.js');
  const model = await loadModel(modelPath);
  const d = model.features.length;
  const data = new Float64Array(rows.length * d);
  rows.forEach((row, i) => row.forEach((v, j) => (data[i * d + j] = v)));
  const { predictions, scores } = model.scoreRows({ rows: rows.length, cols: d, data });
  const classes = model.classes;
  const k = classes.length === 2 ? 1 : classes.length;
  return Array.from(predictions, (p, i) => ({ label: classes[p], scores: Array.from(scores.subarray(i * k, i * k + k)) }));
}

/**
 * Compares a server's /invocations answer with the expected one: labels exactly, scores to 1e-9
 * (or labels only, for answers asked for without scores).
 */
export function checkAnswer(text, expected, classes, { labelsOnly = false } = {}) {
  const body = JSON.parse(text);
  const got = body.predictions;
  if (!Array.isArray(got) || got.length !== expected.length) return { ok: false, why: `${got?.length} predictions for ${expected.length} rows` };
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    // MLflow's labels-only answer is a list of class names; with scores, {label, scores} objects.
    const label = typeof got[i] === 'string' ? got[i] : got[i]?.label;
    if (label !== expected[i].label) return { ok: false, why: `row ${i}: label ${label}, expected ${expected[i].label}` };
    if (labelsOnly) continue;
    const s = got[i].scores;
    const values = typeof s === 'number' ? [s] : classes.map((c) => s?.[c]);
    for (let k = 0; k < expected[i].scores.length; k++) maxDiff = Math.max(maxDiff, Math.abs(values[k] - expected[i].scores[k]));
  }
  if (!(maxDiff <= 1e-9)) return { ok: false, why: `scores differ by up to ${maxDiff}` };
  return { ok: true, maxDiff };
}
