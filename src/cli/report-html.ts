/**
 * `iris evaluate --format html` / `--html <path>`: one self-contained page (docs/CLI.md "HTML
 * report"): inline CSS and SVG, no script, nothing fetched, readable printed. Loaded only when a
 * page is asked for.
 */
import { coefRows } from '../core/linear.js';
import type { Evaluation } from '../core/pipeline.js';
import type { RocCurve } from '../core/roc.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { packageInfo } from '../io/package-info.js';
import type { Model } from '../lib/model.js';
import type { Context } from './context.js';
import { classBars, colorOf, confusionHeatmap, decisionHistograms, esc, rocChart } from './report-charts.js';
import { gateNumbers, type Gate } from './report-formats.js';

export interface HtmlReportInput {
  modelPath: string;
  model: Model;
  /** What was scored, in words ("the held-out test split of iris.csv"). */
  source: string;
  evaluation: Evaluation;
  /** True labels (in the model's names), predicted codes and the decision function of the scored rows. */
  scored: { labels: readonly string[]; predictions: Int32Array; scores: Float64Array };
  roc: readonly (RocCurve | undefined)[];
  gates: readonly Gate[];
  passed: boolean;
  baseline: { model: string; accuracy: number } | undefined;
  /** For tests: a fixed time instead of now. */
  now?: Date;
}

const f4 = (v: number) => v.toFixed(4);

function dl(rows: readonly (readonly [string, string])[]): string {
  return `<dl class="card">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function code(text: string): string {
  return `<code>${esc(text)}</code>`;
}

/** What the model does to each input column: standard scaling today; imputation and categories with format v3. */
function featureTable(model: Model): string {
  const fitted = model.fitted;
  const columns: readonly PreColumn[] | undefined = fitted.preprocessing?.columns;
  const rows: string[] = [];
  if (columns !== undefined && columns.some((c) => c.kind === 'categorical' || c.impute !== null)) {
    for (const c of columns) {
      const impute = c.impute === null ? '—' : `missing → ${esc(typeof c.impute === 'number' ? String(Number(c.impute.toPrecision(6))) : c.impute)}`;
      const what =
        c.kind === 'categorical'
          ? `one-hot, ${c.categories.length} categories: ${esc(c.categories.slice(0, 8).join(', '))}${c.categories.length > 8 ? ', …' : ''}; unknown → all zeros`
          : `standardized (mean ${f4(fitted.mean[fitted.features.indexOf(c.name)] ?? Number.NaN)}, scale ${f4(fitted.scale[fitted.features.indexOf(c.name)] ?? Number.NaN)})`;
      rows.push(`<tr><td>${esc(c.name)}</td><td>${c.kind}</td><td>${impute}</td><td>${what}</td></tr>`);
    }
    return `<table class="data"><thead><tr><th>feature</th><th>kind</th><th>imputation</th><th>encoding</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  }
  fitted.features.forEach((name, j) => {
    rows.push(`<tr><td>${esc(name)}</td><td class="num">${f4(fitted.mean[j]!)}</td><td class="num">${f4(fitted.scale[j]!)}</td></tr>`);
  });
  return (
    `<table class="data"><thead><tr><th>feature (standardized)</th><th class="num">mean</th><th class="num">scale</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

type PreColumn =
  { name: string; kind: 'numeric'; impute: number | null } | { name: string; kind: 'categorical'; categories: readonly string[]; impute: string | null };

function modelCard(input: HtmlReportInput): string {
  const { model, modelPath } = input;
  const artifact = model.toJSON();
  const { data, split } = artifact.training;
  const params = Object.entries(artifact.perceptron.params)
    .map(([k, v]) => code(`${k}=${v === null ? 'None' : String(v)}`))
    .join(' ');
  const rows: [string, string][] = [
    ['model file', code(modelPath)],
    ['target', code(model.target)],
    ['classes', model.classes.map((c, k) => `<span class="chip" style="--c:${colorOf(k)}">${esc(c)}</span>`).join(' ')],
    ['estimator', `Perceptron ${params}`],
    ['epochs', `${artifact.perceptron.nIter}${artifact.perceptron.converged ? ' (converged)' : ' (did not converge)'}`],
    [
      'training data',
      data === null
        ? 'not recorded (fitted in memory)'
        : `${code(data.path)}${data.bundled ? ' (bundled)' : ''}, ${data.rows} rows, sha256 ${code(data.sha256.slice(0, 12))}…`,
    ],
  ];
  if (split !== undefined) {
    rows.push([
      'split',
      `test size ${split.testSize}, seed ${split.seed}${split.stratify ? ', stratified' : ''}${split.shuffle ? '' : ', not shuffled'}: ${split.train} train rows, ${split.test} test rows`,
    ]);
  }
  const pre = model.fitted.preprocessing;
  if (pre !== undefined && (pre.impute !== null || pre.dropna !== 'none')) {
    const parts = [];
    if (pre.impute !== null)
      parts.push(
        `imputed (${code(pre.impute.strategy)}${pre.impute.fillValue === null ? '' : `, fill ${code(pre.impute.fillValue)}`}), statistics fitted on the training rows`,
      );
    if (pre.dropna !== 'none') parts.push(`rows missing ${pre.dropna === 'any' ? 'any chosen column' : 'the target'} dropped before the split`);
    rows.push(['missing values', parts.join('; ')]);
  }
  rows.push(['scored here', `${esc(input.source)}: ${input.evaluation.report.n} rows`]);
  rows.push(['produced by', `${esc(artifact.producer.name)} ${esc(artifact.producer.version)}, ${esc(artifact.createdAt)}`]);
  rows.push(['checksum', code(artifact.checksum)]);
  return `<section class="model-card"><h2>Model card</h2>${dl(rows)}<h3>Features and preprocessing</h3>${featureTable(model)}</section>`;
}

function metricsTable(input: HtmlReportInput): string {
  const { labels, report } = input.evaluation;
  const aucOf = (k: number) => {
    const curve = k < input.model.classes.length ? input.roc[k] : undefined;
    return curve === undefined ? '<span class="muted">n/a</span>' : f4(curve.auc);
  };
  const body = labels
    .map((label, k) => {
      const s = report.perClass[k];
      if (s === undefined) return '';
      return `<tr><td><span class="swatch" style="--c:${colorOf(k)}"></span>${esc(label)}</td><td class="num">${f4(s.precision)}</td><td class="num">${f4(s.recall)}</td><td class="num">${f4(s.f1)}</td><td class="num">${aucOf(k)}</td><td class="num">${s.support}</td></tr>`;
    })
    .join('');
  const avg = (name: string, a: { precision: number; recall: number; f1: number }) =>
    `<tr class="avg"><td>${name}</td><td class="num">${f4(a.precision)}</td><td class="num">${f4(a.recall)}</td><td class="num">${f4(a.f1)}</td><td></td><td class="num">${report.n}</td></tr>`;
  return (
    `<table class="data metrics"><thead><tr><th>class</th><th class="num">precision</th><th class="num">recall</th><th class="num">F1</th><th class="num">ROC AUC</th><th class="num">support</th></tr></thead>` +
    `<tbody>${body}${avg('macro avg', report.macro)}${avg('weighted avg', report.weighted)}</tbody></table>`
  );
}

function gatesTable(gates: readonly Gate[]): string {
  if (gates.length === 0) return '<p class="muted">No quality gate was set (--min-accuracy, --min-f1, --baseline).</p>';
  const rows = gates
    .map((g) => {
      const shown = gateNumbers(g);
      return `<tr><td>${esc(g.description)}</td><td class="num">${shown.threshold}</td><td class="num">${shown.value}</td><td class="${g.passed ? 'pass' : 'fail'}">${g.passed ? 'pass' : 'FAIL'}</td></tr>`;
    })
    .join('');
  return `<table class="data"><thead><tr><th>gate</th><th class="num">threshold</th><th class="num">value</th><th>result</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** A tuned model's grid search (training.search, written by `iris tune`): its settings and every candidate by rank. */
function searchSection(model: Model): string {
  const search = model.training.search;
  if (search === undefined) return '';
  const value = (v: unknown) => (v === null ? 'None' : typeof v === 'string' ? v : JSON.stringify(v));
  const params = (p: Record<string, unknown>) =>
    Object.entries(p)
      .map(([k, v]) => code(`${k}=${value(v)}`))
      .join(' ');
  const settings = dl([
    [
      'grid',
      search.grid
        .map((g) =>
          Object.entries(g)
            .map(([k, vs]) => `${code(k)}: ${esc(vs.map(value).join(', '))}`)
            .join('; '),
        )
        .join('<br>'),
    ],
    ['cross-validation', `${search.folds} folds, ${esc(search.cv)}${search.shuffle ? ', shuffled' : ''}; scoring ${code(search.scoring)}`],
    ['best', `${params(search.bestParams)}: mean score ${f4(search.bestScore)}`],
  ]);
  const ranked = [...search.results].sort((a, b) => a.rank - b.rank);
  const shown = ranked.slice(0, 100);
  const rows = shown
    .map(
      (r) =>
        `<tr${r.rank === 1 ? ' class="best"' : ''}><td class="num">${r.rank}</td><td>${params(r.params)}</td>` +
        `<td class="num">${f4(r.meanTestScore)} <span class="muted">± ${f4(r.stdTestScore)}</span></td></tr>`,
    )
    .join('');
  return (
    `<section class="search"><h2>Hyperparameter search</h2>${settings}` +
    `<h3>Candidates by rank${ranked.length > shown.length ? ` (the first ${shown.length} of ${ranked.length})` : ''}</h3>` +
    `<table class="data"><thead><tr><th class="num">rank</th><th>parameters</th><th class="num">mean score ± std</th></tr></thead><tbody>${rows}</tbody></table></section>`
  );
}

function histograms(input: HtmlReportInput): string {
  const classes = input.model.classes;
  const width = coefRows(classes.length);
  const { labels, scores } = input.scored;
  return classes
    .map((label, k) => {
      const own: number[] = [];
      const others: number[] = [];
      labels.forEach((truth, i) => {
        const v = width === 1 ? (k === 1 ? scores[i]! : -scores[i]!) : scores[i * width + k]!;
        (truth === label ? own : others).push(v);
      });
      return `<figure class="hist">${decisionHistograms(label, k, own, others)}</figure>`;
    })
    .join('');
}

const CSS = `
:root{--ink:#1b2a3a;--muted:#6b7886;--line:#dde3ea;--bg:#f6f8fa;--accent:#0072B2}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:#fff}
main{max-width:1080px;margin:0 auto;padding:28px 32px 40px}
header{display:flex;justify-content:space-between;align-items:flex-start;gap:16px;border-bottom:3px solid var(--accent);padding-bottom:14px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 12px}h3{font-size:14px;margin:18px 0 8px;color:var(--muted)}
.sub{color:var(--muted);margin:0}
.verdict{font-weight:700;padding:6px 14px;border-radius:4px;letter-spacing:.04em;white-space:nowrap}
.verdict.pass{background:#e3f4ea;color:#0b6b3a;border:1px solid #9fd5b5}.verdict.fail{background:#fde8e6;color:#a3190c;border:1px solid #f0aaa2}
.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin:18px 0 6px}
.kpi{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:10px 14px}
.kpi b{display:block;font-size:24px;font-variant-numeric:tabular-nums}.kpi span{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
section{margin-top:26px;break-inside:avoid}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:24px;align-items:start}
.card{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0}
.card dt{color:var(--muted)}.card dd{margin:0;overflow-wrap:anywhere}
code{font:12.5px ui-monospace,"DejaVu Sans Mono",monospace;background:var(--bg);padding:1px 4px;border-radius:3px}
table.data{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
table.data th,table.data td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left}
table.data th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.num{text-align:right!important}tr.avg td{color:var(--muted);font-style:italic}
.pass{color:#0b6b3a;font-weight:600}.fail{color:#a3190c;font-weight:700}.muted{color:var(--muted)}
.chip{display:inline-block;border-left:10px solid var(--c);background:var(--bg);padding:0 6px;margin:1px 2px 1px 0;border-radius:2px}
.swatch{display:inline-block;width:10px;height:10px;background:var(--c);margin-right:7px;border-radius:2px}
figure{margin:0}.hists{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:10px}
svg{max-width:100%;height:auto;font-family:inherit}
svg .tick{font-size:11px;fill:#44525f}svg .axis-title{font-size:12px;fill:var(--muted)}svg .value{font-size:10px;fill:#44525f}
svg .panel-title{font-size:12px;font-weight:600;fill:var(--ink)}svg .grid{stroke:#e6ebf0}
svg .cm-count{font-size:13px;font-weight:600}
.note{color:var(--muted);font-size:12.5px;margin:6px 0 0}
tr.best td{font-weight:600}
footer{margin-top:30px;padding-top:10px;border-top:1px solid var(--line);color:var(--muted);font-size:12px}
@media (max-width:760px){.kpis{grid-template-columns:1fr 1fr}.grid2{grid-template-columns:1fr}}
@media print{main{max-width:none;padding:0}body{font-size:11pt}.grid2{grid-template-columns:1fr}.grid2 svg{max-width:88%}section{page-break-inside:avoid}header{border-bottom-color:#000}.kpi,.verdict{-webkit-print-color-adjust:exact;print-color-adjust:exact}svg{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`;

export function renderHtmlReport(input: HtmlReportInput): string {
  const { evaluation, model } = input;
  const { report, labels } = evaluation;
  const now = (input.now ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
  const verdict = input.gates.length === 0 ? '' : `<div class="verdict ${input.passed ? 'pass' : 'fail'}">${input.passed ? 'PASSED' : 'FAILED'}</div>`;
  const kpis = [
    ['accuracy', f4(report.accuracy)],
    ['macro F1', f4(report.macro.f1)],
    ['misclassified', `${report.misclassified} <small>of ${report.n}</small>`],
    ['baseline accuracy', input.baseline === undefined ? '<small class="muted">none</small>' : f4(input.baseline.accuracy)],
  ]
    .map(([k, v]) => `<div class="kpi"><span>${k}</span><b>${v}</b></div>`)
    .join('');
  const unseen =
    evaluation.unseen.length === 0 ? '' : `<p class="note">Labels the model never saw, counted as errors: ${esc(evaluation.unseen.join(', '))}.</p>`;
  const bars = labels.flatMap((label, k) => {
    const s = report.perClass[k];
    return s === undefined ? [] : [{ label, precision: s.precision, recall: s.recall, f1: s.f1 }];
  });
  const title = `iris evaluation: ${input.modelPath}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main>
<header><div><h1>Evaluation of ${esc(input.modelPath)}</h1><p class="sub">A Perceptron predicting <b>${esc(model.target)}</b> on ${esc(input.source)}: ${report.n} rows</p></div>${verdict}</header>
<div class="kpis">${kpis}</div>${unseen}
${modelCard(input)}
<section class="metrics"><h2>Metrics</h2>${metricsTable(input)}<p class="note">ROC AUC: one class against the rest, on that class's decision value (scikit-learn's <code>roc_auc_score(y == c, decision_function[:, c])</code>); n/a where the rows hold only one side.</p></section>
<section class="gates"><h2>Quality gates</h2>${gatesTable(input.gates)}</section>
<div class="grid2">
<section class="confusion"><h2>Confusion matrix</h2>${confusionHeatmap(labels, report.confusionMatrix)}<p class="note">Rows: true class; columns: predicted. Shade: share of the row.</p></section>
<section class="per-class"><h2>Precision, recall and F1 per class</h2>${classBars(bars)}</section>
</div>
<div class="grid2">
<section class="roc"><h2>ROC curves, one vs rest</h2>${rocChart(model.classes, input.roc)}</section>
<section class="decision"><h2>Decision values per class</h2><div class="hists">${histograms(input)}</div><p class="note">Each class's decision value on the rows of that class (colour) and on all other rows (grey).</p></section>
</div>
${searchSection(model)}
<footer>Made by iris ${esc(packageInfo().version)} on ${esc(now)} · model ${esc(model.checksum)}</footer>
</main></body></html>
`;
}

/** Writes the page to `target` (atomically), or to stdout for `-`. */
export async function writeHtmlReport(ctx: Context, target: string, input: HtmlReportInput): Promise<void> {
  const page = renderHtmlReport(input);
  if (target === '-') {
    if (!ctx.quiet) ctx.write(page);
    return;
  }
  await writeFileAtomic(target, page);
  ctx.note(`HTML report written to ${target}`);
}
