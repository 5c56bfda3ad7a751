/** Starts the BUILT `iris serve --port 0` as a process and talks to it over HTTP. */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { BIN, ROOT, cleanEnv } from './cli.js';

export interface Server {
  url: string;
  proc: ChildProcess;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or the signal) once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export async function startServer(args: string[], env: Record<string, string> = {}): Promise<Server> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (text: string) => (err += text));
  proc.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(err);
      if (match !== null) {
        proc.stderr!.off('data', onData);
        resolve(match[1]!);
      }
    };
    proc.stderr!.on('data', onData);
    void exited.then(({ code }) => reject(new Error(`iris serve exited with ${code} before listening:\n${err}`)));
    // Never leave a server behind: one that does not say where it listens is stopped.
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`iris serve did not print its address within 45 s:\n${err}`));
    }, 45_000);
    timer.unref();
    void exited.then(() => clearTimeout(timer));
    proc.stderr!.on('data', () => {
      if (/listening on http/.test(err)) clearTimeout(timer);
    });
  });
  return {
    url,
    proc,
    stderr: () => err,
    exited,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGINT');
        await exited;
      }
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

/** One request with node:http (fetch pools connections and hides some headers). */
export function call(base: string, method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { method, headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

export const JSON_TYPE = { 'content-type': 'application/json' };
export const CSV_TYPE = { 'content-type': 'text/csv' };
export const NDJSON_TYPE = { 'content-type': 'application/x-ndjson' };

/**
 * Polls until check() is true, the one polling helper of the tests. No wall-clock assertion: a number
 * of tries bounds the wait (60 s by default, for a busy machine), and a failure names what never came.
 */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}
