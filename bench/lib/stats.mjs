/** Medians and the number formats of the benchmark reports. */

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
export const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`);
export const fmtRatio = (r) => (r === undefined || !Number.isFinite(r) ? 'n/a' : `${r.toFixed(2)}x`);
