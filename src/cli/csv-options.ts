/** The CSV dialect settings of a command, as the CSV readers take them and as a model records them. */
import type { DialectOptions } from '../io/csv/dialect.js';
import type { TrainingDataJson } from '../io/model/format.js';

export interface DialectSettings {
  delimiter?: DialectOptions['delimiter'];
  decimal?: DialectOptions['decimal'];
  skipRows?: number;
  names?: string[];
}

/** The reader options of the settings that were given. */
export function csvDialect(s: DialectSettings): DialectOptions {
  const options: DialectOptions = {};
  if (s.delimiter !== undefined) options.delimiter = s.delimiter;
  if (s.decimal !== undefined) options.decimal = s.decimal;
  if (s.skipRows !== undefined) options.skipRows = s.skipRows;
  if (s.names !== undefined) options.names = s.names;
  return options;
}

/**
 * `training.data.csv` of the artifact: the dialect the training file was read with, so that
 * `evaluate` reads it again the same way. Absent for plain CSV (artifacts stay as they were).
 */
export function recordedDialect(s: DialectSettings): { csv?: DialectOptions } {
  const options = csvDialect(s);
  return Object.keys(options).length === 0 ? {} : { csv: options };
}

/** The dialect a model recorded for its training file (checked when the model was loaded). */
export function dialectOfModel(data: TrainingDataJson): DialectOptions {
  return data.csv ?? {};
}
