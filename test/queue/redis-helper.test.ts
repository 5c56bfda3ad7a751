/**
 * The tests' Redis (test/helpers/redis.ts) picks a free port, frees it, then lets redis-server bind
 * it: another process may take the port in between. The helper must then start again rather than
 * fail, or talk to a server that is not its own.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisServer } from '../helpers/redis.js';
import { eventually } from '../helpers/serve.js';

const servers: RedisServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.destroy();
});

describe('the Redis of the tests', () => {
  it('starts again when its port was taken, and answers as itself', async () => {
    // Another process holds the port the helper means to use; it lets go a moment later.
    const squatter = createServer((socket) => socket.end('+NOT-REDIS\r\n'));
    squatter.listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    const { port } = squatter.address() as { port: number };
    const redis = new RedisServer();
    servers.push(redis);
    redis.port = port; // as on a restart: the URL must stay the same
    const started = redis.start();
    await eventually(() => /Address already in use/.test(redis.output), 'redis-server to find its port taken');
    squatter.close();
    await started;
    expect(redis.port).toBe(port);
    expect(await redis.command('PING')).toBe('+PONG\r\n');
  });
});
