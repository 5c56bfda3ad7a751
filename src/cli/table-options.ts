/**
 * The table flags of `train` (docs/CLI.md "Tables with words and gaps") as the CSV reader and the
 * pipeline take them: which strings are missing values, which columns are categories, what to do
 * with missing values.
 */
import type { FitTableOptions } from '../core/column-transformer.js';
import { UsageError } from '../core/errors.js';
import { DEFAULT_NA_VALUES } from '../core/preprocessing.js';
import type { TableReadOptions } from '../io/csv/table-cells.js';

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
