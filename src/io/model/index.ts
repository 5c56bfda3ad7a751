/** The model artifact: format, load, save, migrate (docs/MODEL_FORMAT.md). */
export * from './format.js';
export { readArtifact, parseArtifact, decodeArtifact, toArtifact, saveArtifact, type LoadedArtifact } from './artifact.js';
export { computeChecksum, digestIndices, sealArtifact, serializeArtifact } from './checksum.js';
export { canonicalJson, CanonicalJsonError } from './canonical-json.js';
export { MIGRATIONS, migrateToCurrent, type Migration } from './migrate.js';
