/**
 * The processes a benchmark starts (servers, workers, brokers): each in its own process group on
 * 127.0.0.1, ready when its HTTP route answers 200, a line appears in its output or its port
 * accepts connections; stopped with SIGTERM (SIGKILL after 5 s), and killed when the benchmark
 * ends, also when it fails or is interrupted. Hooks registered with atExit() run then too.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';

export const HOST = '127.0.0.1';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A free port on 127.0.0.1 for servers that cannot be told to pick one (gunicorn, uvicorn). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Every process started, so that the end of this process kills them whatever happened. */
const running = new Set();
const exitHooks = [];

export function killTree(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** `hook` (synchronous) runs when the benchmark exits, after its processes are killed. */
export function atExit(hook) {
  exitHooks.push(hook);
}

process.on('exit', () => {
  for (const child of running) killTree(child, 'SIGKILL');
  for (const hook of exitHooks) {
    try {
      hook();
    } catch (error) {
      process.stderr.write(`cleanup: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
});

/** SIGINT, SIGTERM and SIGHUP end the benchmark through its exit handlers (`log` says so first). */
export function stopOnSignals(log) {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      log(`${signal}: stopping the servers`);
      process.exit(130);
    });
  }
}

export async function stopServer(server) {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    killTree(child, 'SIGKILL'); // children that outlived it share its process group
    return;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killTree(child, 'SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
  if (!done) {
    killTree(child, 'SIGKILL');
    await exited;
  }
  // Workers that outlived their parent share its process group.
  killTree(child, 'SIGKILL');
  running.delete(child);
}

/** GET `path`: { status, ms } (status 0 when the connection failed). */
export function get(port, path, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const req = http.get({ host: HOST, port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
  });
}

/** POST `body` to /invocations: { status, ms, text? } (the text only when asked for). */
export function post(port, body, { keepText = false, path = '/invocations' } = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.request(
      { host: HOST, port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        const chunks = [];
        let bytes = 0;
        res.on('data', (chunk) => {
          bytes += chunk.length;
          if (keepText || res.statusCode !== 200) chunks.push(chunk);
        });
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode, ms, bytes, text: keepText || res.statusCode !== 200 ? text : undefined });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Whether something accepts TCP connections on `port`. */
function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * Starts `spec.command(port)` ({ file, args, env, cwd }) and waits until it is ready:
 *   spec.label       the name in messages
 *   spec.needsPort   a free port is found here and passed to command(); else it is read from the
 *                    output ("http://127.0.0.1:PORT" or a JSON `"port": PORT`)
 *   spec.ready       an HTTP path answering 200 when ready, or
 *   spec.readyLine   a pattern its output (stdout and stderr) matches once ready, or
 *   spec.readyTcp    ready when the port accepts connections
 *   spec.timeoutMs   how long to wait (60 s)
 *   spec.onSpawn     called with the child process as soon as it exists (e.g. to cap its CPU)
 * Returns { child, port, output(), readyMs, label }.
 */
export async function startServer(spec) {
  const fixedPort = spec.needsPort ? await freePort() : undefined;
  const command = spec.command(fixedPort);
  const child = spawn(command.file, command.args, { cwd: command.cwd, env: command.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child);
  if (spec.onSpawn !== undefined) {
    try {
      spec.onSpawn(child);
    } catch (error) {
      running.delete(child);
      killTree(child, 'SIGKILL');
      throw error;
    }
  }
  let output = '';
  let seen = false;
  let port = fixedPort;
  const onOutput = (chunk) => {
    const text = chunk.toString('utf8');
    // The start of the output for messages (64 KiB), and the ready line wherever it comes.
    if (spec.readyLine !== undefined && !seen) seen = spec.readyLine.test(output.slice(-512) + text);
    if (output.length < 64 * 1024) output += text;
    if (port === undefined) {
      // "listening on http://127.0.0.1:PORT", or a JSON log line with the address or the port.
      const m = /https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)/.exec(output) ?? /"port"\s*:\s*(\d+)/.exec(output);
      if (m !== null && Number(m[1]) > 0) port = Number(m[1]);
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const server = {
    label: spec.label,
    child,
    get port() {
      return port;
    },
    output: () => output,
  };
  const started = Date.now();
  const timeoutMs = spec.timeoutMs ?? 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      running.delete(child);
      killTree(child, 'SIGKILL');
      throw new Error(
        `${spec.label} exited (${child.exitCode ?? child.signalCode}) before it was ready: ${command.file} ${command.args.join(' ')}\n${output.slice(-4000)}`,
      );
    }
    if (spec.readyLine !== undefined) {
      if (seen) break;
    } else if (port !== undefined) {
      if (spec.readyTcp ? await accepts(port) : (await get(port, spec.ready, 1000)).status === 200) break;
    }
    if (Date.now() - started > timeoutMs) {
      await stopServer(server);
      throw new Error(`${spec.label} was not ready after ${Math.round(timeoutMs / 1000)} s (port ${port ?? 'not printed'})\n${output.slice(-4000)}`);
    }
    await sleep(100);
  }
  server.readyMs = Date.now() - started;
  return server;
}
