/**
 * The CSV input layer (docs/CLI.md "CSV"): labelled training/evaluation data (`readLabelledCsv`)
 * and streamed rows to score (`openFeatureRows`), in the dialects people have (delimiter, decimal
 * mark, CR/LF/CRLF line ends, skipped lines, a header given on the command line).
 *
 *   labelled.ts, feature-rows.ts   the two readers
 *   columns.ts                     header -> layout, column warnings
 *   engine.ts                      chunks -> records (fast-path.ts, csv-parse-path.ts)
 *   dialect.ts, numbers.ts         delimiter sniffing, number scanning
 *   names.ts, errors.ts            how values and names appear in messages; the DataErrors
 */
export { parseNumber } from './numbers.js';
export { csvPathStats, type ParserChoice } from './layout.js';
export { listNames, columnName, showValue } from './names.js';
export { readError, binaryError } from './errors.js';
export { sha256File } from './streams.js';
export { parseDelimiter, type DecimalMark, type DelimiterChoice, type DialectOptions } from './dialect.js';
export { parseLabelledBuffer, readLabelledCsv, MAX_RECORD_BYTES, type LabelledData, type ReadLabelledOptions } from './labelled.js';
export { openFeatureRows, type FeatureRows, type FeatureRowsOptions, type RowBatch } from './feature-rows.js';
export { csvParseInternals } from './csv-parse-path.js';
