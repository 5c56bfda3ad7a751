/**
 * A real Redis server for the queue tests: Debian's `redis-server` on a free loopback port, in a
 * temporary folder of its own (never the machine's default port or data). AOF is on and
 * maxmemory-policy is noeviction unless a test asks otherwise. stop() and start() keep the folder,
 * so a restarted server reloads its append-only file, as a production Redis would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisOptions {
  /** maxmemory-policy; default noeviction. */
  policy?: string;
  /** Extra `--key value` arguments for redis-server. */
  args?: string[];
}

/** True when a redis-server binary is on the PATH (.ci/run installs it with apt when it is not). */
export function haveRedis(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export class RedisServer {
  readonly dir: string;
  port = 0;
  private child: ChildProcess | undefined;
  private log = '';

  constructor(private readonly options: RedisOptions = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'iris-redis-'));
  }

  /** What the last redis-server started printed (its log goes to stdout). */
  get output(): string {
    return this.log;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts the server (again, on the same port and folder after stop()). A free port is picked,
   * freed and then bound by redis-server, so another process may take it in between: redis-server
   * then exits with "Address already in use" and is started again, on a new port the first time (on a
   * restart the URL must stay, so the same port, once it is free again). It is ready when it says so
   * on its log: that line is its own (not another server's on the port) and comes after the AOF is loaded.
   */
  async start(): Promise<this> {
    if (this.child !== undefined) return this;
    const restart = this.port !== 0;
    for (let attempt = 1; ; attempt++) {
      if (this.port === 0) this.port = await freePort();
      const outcome = await this.spawnOnce();
      if (outcome === 'ready') return this;
      if (!/Address already in use/.test(this.log) || attempt === 20) throw new Error(`redis-server on port ${this.port} did not start:\n${this.log}`);
      if (!restart) this.port = 0;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Spawns redis-server once and resolves when it is ready to accept connections, or has exited. */
  private async spawnOnce(): Promise<'ready' | 'exited'> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--appendonly',
      'yes',
      // Every write reaches the file before the reply: a test that stops Redis right after a job was
      // accepted must find it again (production may choose everysec).
      '--appendfsync',
      'always',
      '--save',
      '',
      '--maxmemory-policy',
      this.options.policy ?? 'noeviction',
      '--daemonize',
      'no',
      '--protected-mode',
      'no',
      '--logfile',
      '',
      ...(this.options.args ?? []),
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.log = '';
    return new Promise((resolve) => {
      const keep = (chunk: Buffer) => {
        this.log = (this.log + chunk.toString()).slice(-8000);
        if (/Ready to accept connections/.test(this.log)) resolve('ready');
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      child.once('exit', () => {
        if (this.child === child) this.child = undefined;
        resolve('exited');
      });
    });
  }

  /** One inline command over a raw socket; returns the first reply line(s) as text. */
  command(...words: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.port, '127.0.0.1');
      let data = '';
      socket.setTimeout(5000, () => socket.destroy(new Error('redis command timed out')));
      socket.once('connect', () => socket.write(`${words.map((w) => JSON.stringify(w)).join(' ')}\r\n`));
      socket.on('data', (chunk) => {
        data += chunk.toString();
        // Replies used here are simple strings, errors, integers or short bulk/array replies.
        if (/\r\n$/.test(data) && !/^\$\d+\r\n$/.test(data) && !/^\*\d+\r\n$/.test(data)) {
          socket.end();
          resolve(data);
        }
      });
      socket.once('error', reject);
    });
  }

  /** Stops the server the way an operator would (SIGTERM: Redis flushes the AOF and exits). */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the server and removes its folder. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts a Redis server for the tests of one file. */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  return new RedisServer(options).start();
}
