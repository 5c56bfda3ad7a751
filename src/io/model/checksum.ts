/**
 * Sealing and writing out an artifact: the checksum (sha256 of the RFC 8785 canonical JSON of
 * everything else), the fixed member order, and the text layout of the file.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { ModelArtifact, ModelArtifactBody } from './format.js';

const CHECKSUM_PREFIX = 'sha256:';

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** 'sha256:' + hex sha256 of the canonical JSON of `body` (a plain JSON object) without its `checksum` member. */
export function computeChecksum(body: object): string {
  const source = body as Record<string, unknown>;
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (key !== 'checksum') rest[key] = source[key];
  }
  return CHECKSUM_PREFIX + sha256Hex(canonicalJson(rest));
}

/** training.split.testIndicesSha256: the hex SHA-256 of the canonical JSON of the indices (`[114,62,…]`). */
export function digestIndices(indices: readonly number[]): string {
  return sha256Hex(canonicalJson(indices));
}

const KEY_ORDER = ['format', 'formatVersion', 'producer', 'createdAt', 'target', 'features', 'classes', 'preprocessing', 'scaler', 'perceptron', 'training'];

/**
 * Adds the checksum. Members are laid out in a fixed, readable order (format first, checksum last);
 * the order does not affect the checksum. Throws a CanonicalJsonError (a bug in the caller) on
 * anything that is not JSON data, such as a non-finite number or a Float64Array.
 */
export function sealArtifact(body: ModelArtifactBody): ModelArtifact;
/** Any version's body (older versions are sealed in tests and fixtures). */
export function sealArtifact<T extends object>(body: T): T & { checksum: string };
export function sealArtifact(body: object): object {
  const source = body as unknown as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (Object.hasOwn(source, key)) ordered[key] = source[key];
  for (const key of Object.keys(source)) if (key !== 'checksum' && !Object.hasOwn(ordered, key)) ordered[key] = source[key];
  ordered['checksum'] = computeChecksum(ordered);
  return ordered;
}

/**
 * The text written to disk: two-space indentation, arrays of plain values on one line (so a coef row
 * is one line), a final newline. Parses back to exactly the same value.
 */
export function serializeArtifact(artifact: object): string {
  return pretty(artifact, '') + '\n';
}

function pretty(value: unknown, indent: string): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`cannot write the non-finite number ${value}`);
    return JSON.stringify(value);
  }
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((item) => item === null || typeof item !== 'object')) {
      return '[' + value.map((item) => pretty(item, inner)).join(', ') + ']';
    }
    return '[\n' + value.map((item) => inner + pretty(item, inner)).join(',\n') + '\n' + indent + ']';
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return '{\n' + entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner)}`).join(',\n') + '\n' + indent + '}';
}
