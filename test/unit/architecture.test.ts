/** The lint rules that keep the layers honest catch what they are for (and the real tree passes them). */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const eslint = new ESLint({ cwd: ROOT });

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId?.startsWith('iris/')).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('architecture lint rules', () => {
  it('imports point inward only', async () => {
    expect(await problems('src/core/x.ts', "import { readArtifact } from '../io/model/index.js';\nexport const y = readArtifact;\n")).toEqual([
      'iris/layers: core may not import from io (allowed: core)',
    ]);
    expect(await problems('src/io/x.ts', "import type { Model } from '../lib/model.js';\nexport type Y = Model;\n")).toEqual([
      'iris/layers: io may not import from lib (allowed: io, core)',
    ]);
    expect(await problems('src/serve/x.ts', "export const m = () => import('../cli/main.js');\n")).toEqual([
      'iris/layers: serve may not import from cli (allowed: serve, queue, lib, io, core)',
    ]);
    // The queue package is beside serve, below it: batch scoring knows nothing of HTTP serving.
    expect(await problems('src/queue/x.ts', "import type { Scorer } from '../serve/scorer.js';\nexport type S = Scorer;\n")).toEqual([
      'iris/layers: queue may not import from serve (allowed: queue, lib, io, core)',
    ]);
    expect(await problems('src/serve/x.ts', "import type { Batcher } from '../queue/batcher.js';\nexport type B = Batcher;\n")).toEqual([]);
    expect(await problems('src/core/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toEqual([
      'iris/layers: core is pure: it may not import "node:fs"',
    ]);
    expect(await problems('src/cli/x.ts', "import { Model } from '../lib/model.js';\nexport const m = Model;\n")).toEqual([]);
  });

  it('finds an import cycle, through types too', async () => {
    // format.ts is imported by artifact.ts: importing artifact.ts back closes a cycle.
    const found = await problems('src/io/model/format.ts', "import type { LoadedArtifact } from './artifact.js';\nexport type L = LoadedArtifact;\n");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^iris\/no-cycle: import cycle: io\/model\/format\.ts -> io\/model\/artifact\.ts -> .*io\/model\/format\.ts$/);
  });
});
