/**
 * The project's layer rules as ESLint rules (docs/ARCHITECTURE.md):
 *   iris/layers    an import may only point inward: cli -> serve -> queue -> lib -> io -> core; core imports
 *                  nothing from node:* or npm (pure numbers in, numbers out).
 *   iris/no-cycle  no module reaches itself again through its imports (static, type-only and
 *                  dynamic imports all count: a cycle through types is still a cycle of knowledge).
 * Plain JavaScript with no resolver: relative specifiers end in .js and name .ts files (NodeNext).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

const SRC = resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');

/** What each layer may import. `index` is the package root (src/index.ts). */
const ALLOWED = {
  core: ['core'],
  io: ['io', 'core'],
  lib: ['lib', 'io', 'core'],
  // The CLI is the process's front door: `iris serve` starts the server, `iris worker` and
  // `predict --queue` the queue's processes.
  cli: ['cli', 'serve', 'queue', 'lib', 'io', 'core'],
  // serve --queue scores through the queue's client; the queue knows nothing of HTTP serving.
  serve: ['serve', 'queue', 'lib', 'io', 'core'],
  queue: ['queue', 'lib', 'io', 'core'],
  index: ['lib', 'io', 'core'],
};

function layerOf(file) {
  const rel = relative(SRC, file);
  if (rel.startsWith('..')) return undefined;
  if (rel === 'index.ts') return 'index';
  const top = rel.split(sep)[0];
  return top in ALLOWED ? top : undefined;
}

function target(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const path = resolve(dirname(from), specifier);
  return path.endsWith('.js') ? path.slice(0, -3) + '.ts' : path;
}

const IMPORT = /(?:^|[;\s])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** file -> the files it imports (cached per lint run: the graph is read once). */
const graph = new Map();
function edges(file) {
  let out = graph.get(file);
  if (out === undefined) {
    out = [];
    graph.set(file, out);
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    for (const m of text.matchAll(IMPORT)) {
      const to = target(file, m[1] ?? m[2] ?? m[3]);
      if (to !== undefined && existsSync(to)) out.push(to);
    }
  }
  return out;
}

/** A path from `start` back to `goal`, or undefined. */
function pathBack(start, goal) {
  const seen = new Set();
  const stack = [[start, [start]]];
  while (stack.length > 0) {
    const [file, path] = stack.pop();
    if (file === goal) return path;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const next of edges(file)) stack.push([next, [...path, next]]);
  }
  return undefined;
}

function eachImport(context, check) {
  const visit = (node) => {
    const source = node.source;
    if (source && typeof source.value === 'string') check(node, source.value);
  };
  return { ImportDeclaration: visit, ExportNamedDeclaration: visit, ExportAllDeclaration: visit, ImportExpression: visit };
}

const layers = {
  meta: { type: 'problem', docs: { description: 'imports point inward: cli -> serve -> queue -> lib -> io -> core' }, schema: [] },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    if (from === undefined) return {};
    return eachImport(context, (node, specifier) => {
      if (!specifier.startsWith('.')) {
        if (from === 'core') context.report({ node, message: `core is pure: it may not import "${specifier}"` });
        return;
      }
      const to = layerOf(target(file, specifier));
      if (to !== undefined && !ALLOWED[from].includes(to)) {
        context.report({ node, message: `${from} may not import from ${to} (allowed: ${ALLOWED[from].join(', ')})` });
      }
    });
  },
};

const noCycle = {
  meta: { type: 'problem', docs: { description: 'no import cycles' }, schema: [] },
  create(context) {
    const file = context.filename;
    if (layerOf(file) === undefined) return {};
    return eachImport(context, (node, specifier) => {
      const to = target(file, specifier);
      if (to === undefined || !existsSync(to)) return;
      const cycle = pathBack(to, file);
      if (cycle !== undefined) {
        context.report({ node, message: `import cycle: ${[file, ...cycle].map((f) => relative(SRC, f)).join(' -> ')}` });
      }
    });
  },
};

export default { rules: { layers, 'no-cycle': noCycle } };
