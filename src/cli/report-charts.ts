/**
 * The inline SVG charts of the HTML report (report-html.ts): confusion-matrix heatmap, per-class
 * bars, ROC curves, decision-value histograms. Plain strings, no script: the page works printed
 * and offline. Every mark carries data-* attributes with its numbers, so a test can read the
 * picture back.
 */
import type { RocCurve } from '../core/roc.js';

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#8C6D1F', '#000000'];

export function colorOf(k: number): string {
  return PALETTE[k % PALETTE.length] as string;
}

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A label cut to `max` characters, for axes (the full text goes into <title>). */
function short(text: string, max: number): string {
  return [...text].length <= max ? text : `${[...text].slice(0, max - 1).join('')}…`;
}

const n2 = (v: number) => (Math.round(v * 100) / 100).toString();

/** Blues from white to navy, t in [0, 1]. */
function blue(t: number): string {
  const from = [247, 251, 255];
  const to = [8, 48, 107];
  const c = from.map((f, i) => Math.round(f + (to[i]! - f) * t));
  return `rgb(${c.join(',')})`;
}

/**
 * Rows: true class, columns: predicted. Colour: the share of the row (so each class reads as its
 * recall whatever its support); the count is written in each cell.
 */
export function confusionHeatmap(labels: readonly string[], matrix: readonly (readonly number[])[]): string {
  const n = labels.length;
  const cell = Math.max(10, Math.min(64, Math.floor(420 / Math.max(n, 1))));
  const left = 120;
  const top = 92;
  const size = cell * n;
  const width = left + size + 20;
  const height = top + size + 16;
  const parts: string[] = [];
  parts.push(
    `<text x="${left + size / 2}" y="18" class="axis-title" text-anchor="middle">predicted</text>`,
    `<text transform="translate(14 ${top + size / 2}) rotate(-90)" class="axis-title" text-anchor="middle">true</text>`,
  );
  labels.forEach((label, j) => {
    const x = left + j * cell + cell / 2;
    parts.push(`<text transform="translate(${x} ${top - 8}) rotate(-40)" class="tick">${esc(short(label, 14))}<title>${esc(label)}</title></text>`);
  });
  labels.forEach((label, i) => {
    const row = matrix[i] ?? [];
    const total = row.reduce((a, b) => a + b, 0);
    const y = top + i * cell;
    parts.push(
      `<text x="${left - 8}" y="${y + cell / 2}" class="tick" text-anchor="end" dominant-baseline="central">${esc(short(label, 14))}<title>${esc(label)}</title></text>`,
    );
    labels.forEach((predicted, j) => {
      const count = row[j] ?? 0;
      const share = total === 0 ? 0 : count / total;
      const x = left + j * cell;
      parts.push(
        `<rect class="cm-cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${blue(share)}" ` +
          `data-true="${esc(label)}" data-predicted="${esc(predicted)}" data-count="${count}">` +
          `<title>true ${esc(label)}, predicted ${esc(predicted)}: ${count} of ${total}</title></rect>`,
      );
      if (cell >= 22) {
        parts.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2}" text-anchor="middle" dominant-baseline="central" class="cm-count${i === j ? ' diag' : ''}" fill="${share > 0.5 ? '#fff' : '#1b2a3a'}">${count}</text>`,
        );
      }
    });
  });
  parts.push(`<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#9aa7b4" stroke-width="1"/>`);
  return svg(width, height, 'Confusion matrix: rows are the true class, columns the predicted class', parts);
}

export interface ClassBars {
  label: string;
  precision: number;
  recall: number;
  f1: number;
}

const METRIC_COLORS = { precision: '#0072B2', recall: '#E69F00', f1: '#009E73' } as const;

/** Per class, three horizontal bars (precision, recall, F1) on a shared 0–1 axis. */
export function classBars(rows: readonly ClassBars[]): string {
  const left = 120;
  const barH = 11;
  const group = barH * 3 + 14;
  const plotW = 360;
  const top = 30;
  const height = top + group * rows.length + 28;
  const width = left + plotW + 60;
  const parts: string[] = [];
  (['precision', 'recall', 'f1'] as const).forEach((m, k) => {
    const x = left + k * 100;
    parts.push(
      `<rect x="${x}" y="6" width="12" height="12" fill="${METRIC_COLORS[m]}"/><text x="${x + 18}" y="16" class="tick">${m === 'f1' ? 'F1' : m}</text>`,
    );
  });
  for (let t = 0; t <= 4; t++) {
    const x = left + (plotW * t) / 4;
    parts.push(
      `<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${top + group * rows.length - 8}" class="grid"/>`,
      `<text x="${x}" y="${top + group * rows.length + 8}" class="tick" text-anchor="middle">${t / 4}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = top + i * group;
    parts.push(
      `<text x="${left - 8}" y="${y + (barH * 3) / 2}" class="tick" text-anchor="end" dominant-baseline="central">${esc(short(row.label, 14))}<title>${esc(row.label)}</title></text>`,
    );
    (['precision', 'recall', 'f1'] as const).forEach((m, k) => {
      const v = row[m];
      const w = Math.max(0, Math.min(1, v)) * plotW;
      const by = y + k * barH;
      parts.push(
        `<rect class="bar" x="${left}" y="${by}" width="${n2(w)}" height="${barH - 2}" fill="${METRIC_COLORS[m]}" data-class="${esc(row.label)}" data-metric="${m}" data-value="${v}"><title>${esc(row.label)} ${m}: ${v.toFixed(4)}</title></rect>`,
        `<text x="${n2(left + w + 4)}" y="${by + barH / 2}" class="value" dominant-baseline="central">${v.toFixed(3)}</text>`,
      );
    });
  });
  return svg(width, height, 'Precision, recall and F1 per class', parts);
}

/** One-vs-rest ROC curves on one square plot, with the chance diagonal. */
export function rocChart(labels: readonly string[], curves: readonly (RocCurve | undefined)[]): string {
  const size = 300;
  const left = 48;
  const top = 12;
  const parts: string[] = [];
  const px = (fpr: number) => n2(left + fpr * size);
  const py = (tpr: number) => n2(top + (1 - tpr) * size);
  for (let t = 0; t <= 4; t++) {
    const v = t / 4;
    parts.push(
      `<line x1="${px(v)}" y1="${top}" x2="${px(v)}" y2="${top + size}" class="grid"/>`,
      `<line x1="${left}" y1="${py(v)}" x2="${left + size}" y2="${py(v)}" class="grid"/>`,
      `<text x="${px(v)}" y="${top + size + 16}" class="tick" text-anchor="middle">${v}</text>`,
      `<text x="${left - 6}" y="${py(v)}" class="tick" text-anchor="end" dominant-baseline="central">${v}</text>`,
    );
  }
  parts.push(
    `<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#9aa7b4"/>`,
    `<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="#9aa7b4" stroke-dasharray="4 4"/>`,
    `<text x="${left + size / 2}" y="${top + size + 34}" class="axis-title" text-anchor="middle">false positive rate</text>`,
    `<text transform="translate(12 ${top + size / 2}) rotate(-90)" class="axis-title" text-anchor="middle">true positive rate</text>`,
  );
  // Earlier classes are drawn wider, underneath: a curve that runs along another stays visible.
  curves.forEach((curve, k) => {
    if (curve === undefined) return;
    const widthOf = Math.max(1.6, 3.6 - 0.7 * k);
    const points = Array.from(curve.fpr, (f, i) => `${px(f)},${py(curve.tpr[i]!)}`).join(' ');
    parts.push(
      `<polyline class="roc" points="${points}" fill="none" stroke="${colorOf(k)}" stroke-width="${widthOf}" stroke-linejoin="round" data-class="${esc(labels[k] ?? '')}" data-auc="${curve.auc}"><title>${esc(labels[k] ?? '')}: AUC ${curve.auc.toFixed(4)}</title></polyline>`,
    );
  });
  // The legend, right of the plot: class, colour, AUC.
  const lx = left + size + 20;
  labels.forEach((label, k) => {
    const y = top + 10 + k * 20;
    const curve = curves[k];
    parts.push(
      `<line x1="${lx}" y1="${y}" x2="${lx + 18}" y2="${y}" stroke="${colorOf(k)}" stroke-width="3"${curve === undefined ? ' stroke-dasharray="2 3"' : ''}/>`,
      `<text x="${lx + 24}" y="${y}" class="tick" dominant-baseline="central">${esc(short(label, 16))} <tspan class="value">${curve === undefined ? 'AUC n/a' : `AUC ${curve.auc.toFixed(3)}`}</tspan><title>${esc(label)}</title></text>`,
    );
  });
  const width = lx + 170;
  const height = Math.max(top + size + 44, top + 20 + labels.length * 20);
  return svg(width, height, 'One-vs-rest ROC curves per class', parts);
}

/**
 * Per class, the histogram of its decision value over the rows of that class (coloured) and over
 * the other rows (grey): the further apart, the better the class is separated.
 */
export function decisionHistograms(label: string, k: number, own: readonly number[], others: readonly number[]): string {
  const width = 300;
  const height = 170;
  const left = 10;
  const right = 10;
  const top = 40;
  const bottom = 28;
  const all = [...own, ...others].filter(Number.isFinite);
  const parts: string[] = [`<text x="${left}" y="14" class="panel-title">${esc(short(label, 22))}<title>${esc(label)}</title></text>`];
  if (all.length === 0) return svg(width, height, `Decision values of ${label}`, parts);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const bins = 24;
  const binW = (hi - lo) / bins;
  const count = (values: readonly number[]) => {
    const h = new Array<number>(bins).fill(0);
    for (const v of values) if (Number.isFinite(v)) h[Math.min(bins - 1, Math.floor((v - lo) / binW))]! += 1;
    return h;
  };
  const hOwn = count(own);
  const hOthers = count(others);
  const peak = Math.max(1, ...hOwn, ...hOthers);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (v: number) => left + ((v - lo) / (hi - lo)) * plotW;
  const bars = (h: number[], fill: string, cls: string) =>
    h
      .map((c, b) => {
        if (c === 0) return '';
        const bh = (c / peak) * plotH;
        return `<rect class="${cls}" x="${n2(left + (b * plotW) / bins + 0.5)}" y="${n2(top + plotH - bh)}" width="${n2(plotW / bins - 1)}" height="${n2(bh)}" fill="${fill}" data-count="${c}"/>`;
      })
      .join('');
  parts.push(bars(hOthers, '#aab4be', 'hist-others'), `<g opacity="0.88">${bars(hOwn, colorOf(k), 'hist-own')}</g>`);
  parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#6b7886"/>`);
  if (lo < 0 && hi > 0)
    parts.push(
      `<line x1="${n2(x(0))}" y1="${top - 4}" x2="${n2(x(0))}" y2="${top + plotH}" stroke="#6b7886" stroke-dasharray="3 3"/><text x="${n2(x(0))}" y="${top + plotH + 12}" class="tick" text-anchor="middle">0</text>`,
    );
  parts.push(
    `<text x="${left}" y="${height - 4}" class="tick">${lo.toPrecision(3)}</text>`,
    `<text x="${left + plotW}" y="${height - 4}" class="tick" text-anchor="end">${hi.toPrecision(3)}</text>`,
  );
  // The legend on its own line under the title: rows of the class, then the others.
  parts.push(
    `<rect x="${left}" y="22" width="9" height="9" fill="${colorOf(k)}"/><text x="${left + 13}" y="30" class="tick">${own.length} ${own.length === 1 ? 'row' : 'rows'} of the class</text>`,
    `<rect x="${left + 130}" y="22" width="9" height="9" fill="#aab4be"/><text x="${left + 143}" y="30" class="tick">${others.length} other ${others.length === 1 ? 'row' : 'rows'}</text>`,
  );
  return svg(width, height, `Decision values of ${label}: rows of the class against the others`, parts);
}

function svg(width: number, height: number, title: string, parts: readonly string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" width="${Math.ceil(width)}" height="${Math.ceil(height)}" role="img" aria-label="${esc(title)}">` +
    `<title>${esc(title)}</title>${parts.join('')}</svg>`
  );
}
