/**
 * Every JSON schema of the routes, in one place. Fastify validates params and querystrings with
 * them; `requestBody` and `response` document what the codec (codec/) checks and writes; all of them
 * feed /openapi.json (openapi.ts), so the document and the checks cannot drift apart.
 */
export type JsonSchema = Record<string, unknown>;

export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_READY',
  'OVERLOADED',
  'QUEUE_DOWN',
  'NO_WORKER',
  'TIMEOUT',
  'WORKER_FAILED',
  'CONFLICT',
  'INTERNAL',
] as const;

export const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error', 'code'],
  properties: {
    error: { type: 'string', description: 'What went wrong; names the row and feature, never echoes more than the offending value' },
    code: { type: 'string', enum: [...ERROR_CODES] },
    error_code: { type: 'string', enum: [...ERROR_CODES], description: "MLflow routes: the same code, as MLflow's clients read it" },
    message: { type: 'string', description: 'MLflow routes: the same message, as MLflow clients read it' },
    line: { type: 'integer', description: 'NDJSON: the line of the body that failed' },
  },
};

export const NAME_PARAMS: JsonSchema = { type: 'object', properties: { name: { type: 'string', description: 'the model name (--name)' } }, required: ['name'] };
export const VERSION_PARAMS: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'the model name (--name)' },
    version: { type: 'string', description: "the first 12 hex digits of the artifact's checksum" },
  },
  required: ['name', 'version'],
};
export const SCORES_QUERY: JsonSchema = {
  type: 'object',
  properties: { scores: { type: 'string', enum: ['true', 'false'], description: 'true adds the decision values to each prediction' } },
};
export const TENSOR: JsonSchema = {
  type: 'object',
  required: ['name', 'datatype', 'shape'],
  properties: {
    name: { type: 'string', description: '"input-0" for the [N, F] tensor, or a feature name for one [N] tensor per feature' },
    datatype: { type: 'string', enum: ['FP64', 'FP32', 'INT64', 'INT32', 'BYTES'], description: 'BYTES for a categorical feature (one input per feature)' },
    shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
    data: { type: 'array', description: 'row-major values, flat or nested; absent when parameters.binary_data_size is set' },
    parameters: {
      type: ['object', 'null'],
      properties: { binary_data_size: { type: 'integer', minimum: 0, description: 'binary tensor extension: the bytes of this input after the JSON header' } },
    },
  },
};
const OUTPUT_NAME: JsonSchema = { type: 'string', enum: ['label', 'decision_function'] };
export const INFER_REQUEST: JsonSchema = {
  type: 'object',
  required: ['inputs'],
  description:
    'Optional members sent as null mean absent. With Inference-Header-Content-Length: n, the first n bytes are this JSON header and the binary inputs follow.',
  properties: {
    id: { type: ['string', 'null'] },
    parameters: { type: ['object', 'null'], properties: { binary_data_output: { type: 'boolean', description: 'every output in binary' } } },
    inputs: { type: 'array', minItems: 1, items: TENSOR },
    outputs: {
      type: ['array', 'null'],
      description: 'each name at most once',
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: OUTPUT_NAME, parameters: { type: ['object', 'null'], properties: { binary_data: { type: 'boolean' } } } },
      },
    },
  },
};
export const OUTPUT_TENSOR: JsonSchema = {
  type: 'object',
  required: ['name', 'datatype', 'shape'],
  properties: {
    name: OUTPUT_NAME,
    datatype: { type: 'string', enum: ['BYTES', 'FP64'] },
    shape: { type: 'array', items: { type: 'integer' } },
    data: { type: 'array', items: { type: ['string', 'number'] } },
    parameters: { type: 'object', properties: { binary_data_size: { type: 'integer', description: 'asked for in binary: its bytes follow the JSON header' } } },
  },
};
export const INFER_RESPONSE: JsonSchema = {
  type: 'object',
  required: ['model_name', 'model_version', 'outputs'],
  properties: { id: { type: 'string' }, model_name: { type: 'string' }, model_version: { type: 'string' }, outputs: { type: 'array', items: OUTPUT_TENSOR } },
};
/** A feature value: a number; for a table model also a category (string) or null (a missing value, where the model imputes). */
const CELL: JsonSchema = { type: ['number', 'string', 'null'] };
export const ROW: JsonSchema = {
  description: 'a row: values in the model feature order, or a record naming the features',
  oneOf: [
    { type: 'array', items: CELL },
    { type: 'object', additionalProperties: CELL },
  ],
};
export const ROWS: JsonSchema = {
  oneOf: [
    { type: 'array', items: ROW },
    { type: 'object', description: 'columnar: one array of values per feature', additionalProperties: { type: 'array', items: CELL } },
  ],
};
export const INVOCATION_JSON: JsonSchema = {
  type: 'object',
  description: 'exactly one of dataframe_split, dataframe_records, instances, inputs; plus optional params ({"scores": true} asks for scores; others ignored)',
  properties: {
    dataframe_split: {
      type: 'object',
      required: ['columns', 'data'],
      properties: { columns: { type: 'array', items: { type: 'string' } }, data: { type: 'array', items: { type: 'array' } }, index: { type: 'array' } },
    },
    dataframe_records: { type: 'array', items: { type: 'object', additionalProperties: CELL } },
    instances: ROWS,
    inputs: ROWS,
    params: { type: 'object' },
  },
  additionalProperties: false,
  minProperties: 1,
};
export const INVOCATION_BODIES: Record<string, JsonSchema> = {
  'application/json': INVOCATION_JSON,
  'text/csv': { type: 'string', description: 'a header row naming the features (any order, extra columns ignored), then rows' },
  'application/x-ndjson': { type: 'string', description: 'one record or array a line' },
};
export const PREDICTION: JsonSchema = {
  description: 'the label (the default, as MLflow answers for a classifier), or with scores an object',
  oneOf: [
    { type: 'string' },
    {
      type: 'object',
      required: ['label', 'scores'],
      properties: {
        label: { type: 'string' },
        scores: {
          description: 'decision value per class; one number for a two-class model',
          oneOf: [{ type: 'number' }, { type: 'object', additionalProperties: { type: 'number' } }],
        },
      },
    },
  ],
};
export const PREDICTIONS: JsonSchema = { type: 'object', required: ['predictions'], properties: { predictions: { type: 'array', items: PREDICTION } } };
export const JOB_STATUS: JsonSchema = {
  type: 'object',
  required: ['id', 'status'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'done', 'failed'] },
    rows: { type: 'integer' },
    progress: { type: 'number', minimum: 0, maximum: 1 },
    error: { type: 'string' },
  },
};
export const JOB_PARAMS: JsonSchema = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
export const MODEL_METADATA: JsonSchema = {
  type: 'object',
  required: ['name', 'versions', 'platform', 'inputs', 'outputs', 'parameters'],
  properties: {
    name: { type: 'string' },
    versions: { type: 'array', items: { type: 'string' } },
    platform: { type: 'string' },
    inputs: { type: 'array', items: { type: 'object', additionalProperties: true } },
    outputs: { type: 'array', items: { type: 'object', additionalProperties: true } },
    parameters: {
      type: 'object',
      properties: {
        features: { type: 'array', items: { type: 'string' } },
        classes: { type: 'array', items: { type: 'string' } },
        target: { type: 'string' },
        checksum: { type: 'string' },
      },
    },
  },
};
const MODEL_INPUT: JsonSchema = {
  type: 'object',
  required: ['name', 'kind', 'imputed'],
  properties: {
    name: { type: 'string' },
    kind: { type: 'string', enum: ['numeric', 'categorical'] },
    categories: { type: 'array', items: { type: 'string' }, description: 'categorical: the categories the model knows' },
    imputed: { type: 'boolean', description: 'a missing value (null) is filled in; else refused' },
  },
};
export const MODEL_CARD: JsonSchema = {
  type: 'object',
  required: ['name', 'version', 'checksum', 'target', 'features', 'classes', 'metrics'],
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    checksum: { type: 'string' },
    target: { type: 'string' },
    features: {
      type: 'array',
      items: { type: 'string' },
      description: "the linear model's columns (a categorical feature's one column per category: island=Biscoe)",
    },
    inputs: { type: 'array', items: MODEL_INPUT, description: 'what a row holds, in model order' },
    classes: { type: 'array', items: { type: 'string' } },
    metrics: {
      type: 'object',
      additionalProperties: true,
      description: "the artifact's training metrics (train and test accuracy, confusion matrix, per class)",
    },
    example: {
      type: 'array',
      items: { type: 'number' },
      description: "a typical row: each feature's training mean to 3 significant digits (the page's placeholders)",
    },
  },
};
export const WAIT_QUERY: JsonSchema = {
  type: 'object',
  properties: { wait: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'milliseconds to hold the request until the job ends (at most --timeout)' } },
};
export const LIVE: JsonSchema = { type: 'object', properties: { live: { type: 'boolean' } } };
export const READY: JsonSchema = {
  type: 'object',
  properties: { ready: { type: 'boolean' }, reason: { type: 'string', description: 'why not: shutting down, queue down, no worker' } },
};
export const MODEL_READY: JsonSchema = { type: 'object', properties: { name: { type: 'string' }, ready: { type: 'boolean' } } };
export const SERVER_METADATA: JsonSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, version: { type: 'string' }, extensions: { type: 'array', items: { type: 'string' } } },
};
export const TEXT: JsonSchema = { type: 'string' };
