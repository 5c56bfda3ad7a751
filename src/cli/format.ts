/** Human-readable tables for reports on stdout, and the JSON shapes of metrics shared by train and evaluate. */
import type { ChalkInstance } from 'chalk';
import type { Evaluation } from '../core/pipeline.js';

export interface ClassScoresJson {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface MetricsJson {
  accuracy: number;
  misclassified: number;
  n: number;
  confusionMatrix: number[][];
  perClass: Record<string, ClassScoresJson>;
  macro: { precision: number; recall: number; f1: number };
  weighted: { precision: number; recall: number; f1: number };
}

export function metricsJson({ labels, report }: Evaluation): MetricsJson {
  const perClass: Record<string, ClassScoresJson> = {};
  labels.forEach((label, k) => {
    const scores = report.perClass[k];
    if (scores !== undefined) perClass[label] = { ...scores };
  });
  return {
    accuracy: report.accuracy,
    misclassified: report.misclassified,
    n: report.n,
    confusionMatrix: report.confusionMatrix,
    perClass,
    macro: { ...report.macro },
    weighted: { ...report.weighted },
  };
}

export function fixed(value: number, digits = 4): string {
  return value.toFixed(digits);
}

function pad(text: string, width: number, left: boolean): string {
  const length = [...text].length;
  const space = ' '.repeat(Math.max(0, width - length));
  return left ? text + space : space + text;
}

/** A plain text table: first column left-aligned, the others right-aligned unless `numeric` is false. */
export function table(rows: string[][], indent = '  ', numeric = true): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((row) => (indent + row.map((cell, i) => pad(cell, widths[i] ?? 0, i === 0 || !numeric)).join('  ')).trimEnd()).join('\n');
}

/** The labelled confusion matrix and scikit-learn's classification_report, as text. */
export function renderEvaluation(evaluation: Evaluation, c: ChalkInstance): string {
  const { labels, report } = evaluation;
  const matrix = table([['true \\ predicted', ...labels], ...labels.map((label, i) => [label, ...(report.confusionMatrix[i] ?? []).map(String)])]);
  const scores = table([
    ['', 'precision', 'recall', 'f1-score', 'support'],
    ...labels.map((label, k) => {
      const s = report.perClass[k];
      return s === undefined ? [label] : [label, fixed(s.precision), fixed(s.recall), fixed(s.f1), String(s.support)];
    }),
    ['', '', '', '', ''],
    ['accuracy', '', '', fixed(report.accuracy), String(report.n)],
    ['macro avg', fixed(report.macro.precision), fixed(report.macro.recall), fixed(report.macro.f1), String(report.n)],
    ['weighted avg', fixed(report.weighted.precision), fixed(report.weighted.recall), fixed(report.weighted.f1), String(report.n)],
  ]);
  return `${c.bold('Confusion matrix')} (rows: true class, columns: predicted)\n${matrix}\n\n${c.bold('Classification report')}\n${scores}\n`;
}

export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
