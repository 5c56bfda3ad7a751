/** The machine and pull-request formats of an evaluation: JUnit XML and Markdown. */
import { fixed } from './format.js';

export interface Gate {
  name: string;
  /** What the value is compared with, in words: "accuracy >= 0.9". */
  description: string;
  threshold: number;
  value: number;
  passed: boolean;
}

export interface EvaluationSummary {
  model: string;
  source: string;
  labels: string[];
  accuracy: number;
  misclassified: number;
  n: number;
  confusionMatrix: number[][];
  perClass: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  macro: { precision: number; recall: number; f1: number };
  weighted: { precision: number; recall: number; f1: number };
  gates: Gate[];
  passed: boolean;
}

function xml(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // XML 1.0 cannot carry most control characters, even escaped.
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '\uFFFD')
  );
}

/**
 * A gate's threshold and value with enough digits to tell them apart (at least 4): a failed
 * `accuracy >= 0.9556` must not show the value as 0.9556.
 */
export function gateNumbers(gate: Pick<Gate, 'threshold' | 'value'>): { threshold: string; value: string } {
  let digits = 4;
  while (digits < 17 && gate.value !== gate.threshold && fixed(gate.value, digits) === fixed(gate.threshold, digits)) digits++;
  return { threshold: fixed(gate.threshold, digits), value: fixed(gate.value, digits) };
}

/** A gate in words, with its numbers in full (shortest round-trip form). */
export function gateLine(gate: Gate): string {
  return `${gate.description}: ${gate.passed ? 'passed' : 'FAILED'} (value ${gate.value}, threshold ${gate.threshold})`;
}

/** What went wrong when an evaluation ended before it had a report. */
export interface EvaluationFailure {
  model: string;
  /** The error's class name (DataError, ModelError, ...). */
  kind: string;
  message: string;
  hint: string | undefined;
}

/** A JUnit document for a run that failed before scoring: one test case with an <error>. */
export function renderJUnitError(failure: EvaluationFailure, seconds: number): string {
  const text = failure.hint === undefined ? failure.message : `${failure.message}\nhint: ${failure.hint}`;
  const time = seconds.toFixed(3);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="iris" tests="1" failures="0" errors="1">\n` +
    `  <testsuite name="${xml(`iris evaluate ${failure.model}`)}" tests="1" failures="0" errors="1" skipped="0" time="${time}">\n` +
    `    <testcase classname="iris.evaluate" name="${xml(`evaluate ${failure.model}`)}" time="${time}">\n` +
    `      <error message="${xml(failure.message)}" type="${xml(failure.kind)}">${xml(text)}</error>\n` +
    '    </testcase>\n  </testsuite>\n</testsuites>\n'
  );
}

/** Text inside a fenced block cannot end the block. */
function fence(text: string): string {
  return text.replace(/`{3,}/g, (run) => run.split('').join('\u200b'));
}

/** The Markdown section for a run that failed before scoring. */
export function renderMarkdownError(failure: EvaluationFailure): string {
  const lines = [`### iris evaluate: ❌ error`, '', `Model \`${failure.model}\` could not be evaluated:`, '', '```text', fence(failure.message)];
  if (failure.hint !== undefined) lines.push(`hint: ${fence(failure.hint)}`);
  lines.push('```', '');
  return `${lines.join('\n')}\n`;
}

export function renderJUnit(summary: EvaluationSummary, seconds: number): string {
  const failures = summary.gates.filter((g) => !g.passed).length;
  const tests = summary.gates.length + 1;
  const suite = `iris evaluate ${summary.model}`;
  const cases = [
    `    <testcase classname="iris.evaluate" name="${xml(`evaluate ${summary.model} on ${summary.source}`)}" time="${seconds.toFixed(3)}">\n` +
      `      <system-out>${xml(
        `accuracy ${summary.accuracy} (${summary.misclassified} of ${summary.n} misclassified), macro F1 ${summary.macro.f1}`,
      )}</system-out>\n    </testcase>`,
    ...summary.gates.map((gate) => {
      const open = `    <testcase classname="iris.evaluate.gates" name="${xml(gate.description)}" time="0">`;
      if (gate.passed) return `${open}</testcase>`;
      const message = `${gate.name}: value ${gate.value} does not meet threshold ${gate.threshold}`;
      return `${open}\n      <failure message="${xml(message)}" type="QualityGateFailed">${xml(gateLine(gate))}</failure>\n    </testcase>`;
    }),
  ];
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="iris" tests="${tests}" failures="${failures}" errors="0">\n` +
    `  <testsuite name="${xml(suite)}" tests="${tests}" failures="${failures}" errors="0" skipped="0" time="${seconds.toFixed(3)}">\n` +
    `${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`
  );
}

function md(text: string): string {
  return text.replace(/[|\\`*_[\]<]/g, (c) => `\\${c}`);
}

export function renderMarkdown(summary: EvaluationSummary): string {
  const status = summary.passed ? '✅ passed' : '❌ failed';
  const lines = [
    `### iris evaluate: ${status}`,
    '',
    `Model \`${summary.model}\` on ${md(summary.source)}: accuracy **${fixed(summary.accuracy)}** ` +
      `(${summary.misclassified} of ${summary.n} misclassified), macro F1 **${fixed(summary.macro.f1)}**.`,
    '',
  ];
  if (summary.gates.length > 0) {
    lines.push('| gate | threshold | value | result |', '|---|---:|---:|---|');
    for (const g of summary.gates) {
      const shown = gateNumbers(g);
      lines.push(`| ${md(g.description)} | ${shown.threshold} | ${shown.value} | ${g.passed ? '✅ pass' : '❌ fail'} |`);
    }
    lines.push('');
  }
  lines.push('| class | precision | recall | F1 | support |', '|---|---:|---:|---:|---:|');
  for (const label of summary.labels) {
    const s = summary.perClass[label];
    if (s !== undefined) lines.push(`| ${md(label)} | ${fixed(s.precision)} | ${fixed(s.recall)} | ${fixed(s.f1)} | ${s.support} |`);
  }
  for (const [name, avg] of [
    ['macro avg', summary.macro],
    ['weighted avg', summary.weighted],
  ] as const) {
    lines.push(`| *${name}* | ${fixed(avg.precision)} | ${fixed(avg.recall)} | ${fixed(avg.f1)} | ${summary.n} |`);
  }
  lines.push('', '<details><summary>Confusion matrix (rows: true class, columns: predicted)</summary>', '');
  lines.push(`| | ${summary.labels.map(md).join(' | ')} |`, `|---|${summary.labels.map(() => '---:').join('|')}|`);
  summary.labels.forEach((label, i) => lines.push(`| **${md(label)}** | ${(summary.confusionMatrix[i] ?? []).join(' | ')} |`));
  lines.push('', '</details>', '');
  return `${lines.join('\n')}\n`;
}
