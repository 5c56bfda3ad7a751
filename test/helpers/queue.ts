/**
 * Real `iris worker` processes for the queue tests, spawned from the built bin/iris.js, with their
 * stderr (JSON log lines) kept so a test can wait for a line instead of sleeping.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, IRIS_CSV, cleanEnv } from './cli.js';

/** Stall detection in seconds, not BullMQ's 30: a killed worker's chunk comes back quickly. */
export const QUEUE_ENV = { IRIS_QUEUE_LOCK_MS: '2000' };

export class Proc {
  stderr = '';
  stdout = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: { pattern: RegExp; resolve: () => void }[] = [];

  constructor(readonly child: ChildProcess) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      this.check();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      this.check();
    });
    this.exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.pattern.test(this.stderr + this.stdout)) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves when stderr/stdout match; rejects if the process exits first or after `ms`. */
  waitFor(pattern: RegExp, ms = 60_000): Promise<void> {
    if (pattern.test(this.stderr + this.stdout)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stderr:\n${this.stderr}`)), ms);
      this.waiters.push({
        pattern,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`process exited (${code ?? signal}) before ${pattern}; stderr:\n${this.stderr}`));
      });
    });
  }

  /** Log lines (JSON) whose msg is `msg`. */
  logs(msg: string): Record<string, unknown>[] {
    return this.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.msg === msg);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

const running = new Set<Proc>();

/** Spawns `node bin/iris.js <args>` as a user would. */
export function spawnIris(args: string[], env: Record<string, string> = {}, cwd?: string): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: cleanEnv(env),
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = new Proc(child);
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
  return proc;
}

/** Starts a worker and waits until it is listening on its queue. */
export async function startWorker(url: string, model: string, options: { env?: Record<string, string>; args?: string[] } = {}): Promise<Proc> {
  const worker = spawnIris(['worker', '--queue', url, '--model', model, '--log-level', 'debug', ...(options.args ?? [])], {
    ...QUEUE_ENV,
    ...options.env,
  });
  await worker.waitFor(/"msg":"worker ready"/);
  return worker;
}

/** Kills every process spawned here that is still running (afterAll). */
export async function killAll(): Promise<void> {
  const all = [...running];
  for (const proc of all) proc.kill('SIGKILL');
  await Promise.all(all.map((proc) => proc.exited));
}

/**
 * A CSV of `rows` Iris rows with an id column first, some ids quoted with commas, quotes and line
 * breaks inside, so that chunks must be cut at record ends, not at every line end.
 */
export function writeBigCsv(path: string, rows: number): void {
  const lines = readFileSync(IRIS_CSV, 'utf8').trim().split('\n');
  const header = lines[0] as string;
  const body = lines.slice(1);
  const out: string[] = [`id,${header}`];
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < rows; i++) {
    const id = i % 97 === 0 ? `"row ${i}, ""quoted""\nsecond line"` : `r${i}`;
    out.push(`${id},${body[next() % body.length]}`);
  }
  writeFileSync(path, `${out.join('\n')}\n`);
}

export { join };
