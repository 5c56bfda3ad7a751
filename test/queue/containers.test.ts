/**
 * Dockerfile and compose.yaml, without a container engine (none runs on these machines): the
 * compose file parses and has the shape the deployment needs, every iris command and flag it uses
 * exists, and the image's install (the packed tarball plus the lock file, `npm ci --omit=dev`) works
 * in an empty folder and runs what the containers run.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IRIS_CSV, ROOT, iris, tempDir } from '../helpers/cli.js';
import { Proc } from '../helpers/queue.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  user?: string;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  init?: boolean;
}

const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const irisServices = Object.entries(compose.services).filter(([, s]) => s.image === 'iris:latest');

/** The JSON-array argument of the last instruction `name` of the Dockerfile (CMD, ENTRYPOINT, …). */
function instruction(name: string): string[] {
  const lines = dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.startsWith(`${name} `));
  return JSON.parse((lines.at(-1) as string).slice(name.length + 1)) as string[];
}

describe('compose.yaml', () => {
  it('has api, worker and redis in the shape the deployment needs', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'redis', 'worker']);
    const redis = compose.services.redis as Service;
    const args = (redis.command ?? []).join(' ');
    expect(args).toContain('--appendonly yes');
    expect(args).toContain('--maxmemory-policy noeviction');
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(irisServices.map(([name]) => name).sort()).toEqual(['api', 'worker']);
    for (const [name, service] of irisServices) {
      expect(service.command?.slice(0, 2), name).toEqual(['node', 'bin/iris.js']);
      expect(service.user, name).toBe('node');
      expect(service.depends_on?.redis?.condition, name).toBe('service_healthy');
      expect(
        service.volumes?.some((v) => /^\.\/models:\/models:ro$/.test(v)),
        name,
      ).toBe(true);
      expect(service.command?.join(' '), name).toContain('--queue redis://redis:6379/0');
    }
    expect(compose.services.api?.command?.[2]).toBe('serve');
    expect(compose.services.api?.healthcheck?.test?.join(' ')).toContain('/v2/health/');
    expect(compose.services.worker?.command?.[2]).toBe('worker');
    // A fixed container name or host port on the worker would make --scale worker=N fail.
    expect(compose.services.worker).not.toHaveProperty('container_name');
    expect(compose.services.worker).not.toHaveProperty('ports');
  });

  it('uses only commands and flags that `iris <command> --help` lists', async () => {
    const commands = [...irisServices.map(([, s]) => s.command as string[]), instruction('CMD')];
    for (const command of commands) {
      const [, , name, ...rest] = command as [string, string, string, ...string[]];
      const help = await iris([name, '--help']);
      expect(help.exitCode, `${name}: ${help.stderr}`).toBe(0);
      for (const flag of rest.filter((arg) => arg.startsWith('-'))) {
        expect(help.stdout, `iris ${name} ${flag}`).toMatch(new RegExp(`(^|[\\s,])${flag.split('=')[0]}[\\s,<]`, 'm'));
      }
    }
  });
});

describe('Dockerfile', () => {
  it('is multi-stage, installs production dependencies only, runs as node under tini, checks liveness', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev --omit=optional --ignore-scripts/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(instruction('ENTRYPOINT')).toEqual(['/usr/bin/tini', '--']);
    expect(instruction('CMD')[0]).toBe('node');
    expect(dockerfile.replace(/\\\n\s*/g, ' ')).toMatch(/^HEALTHCHECK .*\/v2\/health\/live/m);
  });

  describe('the runtime stage, replayed in an empty folder', () => {
    let app: string;
    let redis: RedisServer;
    const work = tempDir('iris-image-');
    const model = join(work, 'model.json');

    beforeAll(async () => {
      redis = await startRedis();
      const trained = await iris(['train', '--data', IRIS_CSV, '--out', model, '-q']);
      expect(trained.exitCode, trained.stderr).toBe(0);
      // As the build stage: the package as npm packs it (dist is built by `npm test` before vitest).
      const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--silent'], { cwd: ROOT, encoding: 'utf8' })
        .trim()
        .split('\n')
        .at(-1) as string;
      app = mkdtempSync(join(tmpdir(), 'iris-app-'));
      // As the runtime stage: the tarball, the repository's lock file beside it, npm ci --omit=dev.
      execFileSync('tar', ['-xzf', join(work, packed), '--strip-components=1', '-C', app]);
      cpSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
      execFileSync('npm', ['ci', '--omit=dev', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
        cwd: app,
        stdio: 'pipe',
      });
    }, 240_000);

    afterAll(async () => {
      await redis?.destroy();
      if (app !== undefined) rmSync(app, { recursive: true, force: true });
    });

    it('holds no dev dependency and runs the CLI', () => {
      expect(() => readFileSync(join(app, 'node_modules', 'typescript', 'package.json'))).toThrow();
      expect(() => readFileSync(join(app, 'node_modules', 'vitest', 'package.json'))).toThrow();
      expect(() => readFileSync(join(app, 'node_modules', 'msgpackr-extract', 'package.json'))).toThrow();
      const version = execFileSync('node', ['bin/iris.js', '--version'], { cwd: app, encoding: 'utf8' }).trim();
      expect(version).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    });

    it("runs the image's CMD (iris serve), and its HEALTHCHECK command passes against it", async () => {
      const { spawn, execFile } = await import('node:child_process');
      // Loopback and a free port here: the container's 0.0.0.0:8080 is the only change.
      const args = instruction('CMD')
        .slice(1)
        .map((arg) => (arg === '/models/model.json' ? model : arg === '0.0.0.0' ? '127.0.0.1' : arg === '8080' ? '0' : arg));
      const server = new Proc(spawn('node', args, { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] }));
      try {
        await server.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/);
        const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(server.stderr)?.[1] as string;
        const line = dockerfile
          .replace(/\\\n\s*/g, ' ')
          .split('\n')
          .find((l) => l.startsWith('HEALTHCHECK ')) as string;
        const check = (JSON.parse(line.slice(line.indexOf(' CMD ') + 5)) as string[]).map((arg) => arg.replace(':8080/', `:${port}/`));
        const code = await new Promise<number>((resolve) =>
          execFile(check[0] as string, check.slice(1), (error) => resolve(error === null ? 0 : Number(error.code ?? 1))),
        );
        expect(code).toBe(0);
      } finally {
        server.kill('SIGKILL');
        await server.exited;
      }
    }, 60_000);

    it("runs the worker service's command (BullMQ and ioredis are production dependencies)", async () => {
      const command = [...(compose.services.worker?.command as string[])];
      const args = command.slice(1).map((arg) => (arg === 'redis://redis:6379/0' ? redis.url : arg === '/models/model.json' ? model : arg));
      const { spawn } = await import('node:child_process');
      const worker = new Proc(spawn('node', args, { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] }));
      try {
        await worker.waitFor(/"msg":"worker ready"/);
        worker.kill('SIGTERM');
        expect((await worker.exited).code).toBe(0);
      } finally {
        worker.kill('SIGKILL');
      }
    }, 60_000);
  });
});
