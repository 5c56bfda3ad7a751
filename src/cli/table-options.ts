/**
 * The table flags of `train` (docs/CLI.md "Tables with words and gaps") as the CSV reader and the
 * pipeline take them: which strings are missing values, which columns are categories, what to do
 * with missing values.
 */
import type { FitTableOptions } from '../core/column-transformer.js';
import { UsageError } from '../core/errors.js';
import { DEFAULT_NA_VALUES } from '../core/preprocessing.js';
import type { Readable } from 'node:stream';
import { readLabelledCsv, type LabelledData } from '../io/csv/index.js';
import type { TableReadOptions } from '../io/csv/table-cells.js';
import { prepareTable, type PreparedTable } from '../io/csv/table-prepare.js';
import { csvDialect, type DialectSettings } from './csv-options.js';

export const DEFAULT_MAX_CATEGORIES = 1000;

interface TableSettings {
  categorical?: string[];
  naValues?: string[];
  defaultNa?: boolean;
  dropna?: 'any' | 'target';
  impute?: FitTableOptions['impute'] extends infer T ? (T extends { strategy: infer S } ? S : never) : never;
  fillValue?: string;
  maxCategories?: number;
}

export function tableSettings(s: TableSettings): { read: TableReadOptions; fit: FitTableOptions } {
  const naValues = [...new Set([...(s.defaultNa === false ? [] : DEFAULT_NA_VALUES), ...(s.naValues ?? [])])];
  if (s.fillValue !== undefined && s.impute !== 'constant') {
    throw new UsageError('--fill-value needs --impute constant');
  }
  return {
    read: { naValues, ...(s.categorical === undefined ? {} : { categorical: s.categorical }) },
    fit: {
      impute: s.impute === undefined ? null : { strategy: s.impute, fillValue: s.fillValue ?? null },
      naValues,
      dropna: s.dropna ?? 'none',
      maxCategories: s.maxCategories ?? DEFAULT_MAX_CATEGORIES,
    },
  };
}

/**
 * The data file as train, cv and tune read it: the dialect, the target, features and table flags,
 * then --dropna. Warnings stay in `data.warnings` for the command to print when it chooses.
 */
export async function readTrainingTable(
  path: string,
  s: DialectSettings & { target?: string; features?: string[]; exclude?: string[] },
  tables: ReturnType<typeof tableSettings>,
  stdin: Readable,
): Promise<{ data: LabelledData; prepared: PreparedTable }> {
  const data = await readLabelledCsv(path, {
    target: s.target,
    features: s.features,
    exclude: s.exclude,
    ...csvDialect(s),
    stdin,
    table: tables.read,
  });
  return { data, prepared: prepareTable(data, { dropna: tables.fit.dropna, imputes: tables.fit.impute !== null }) };
}
