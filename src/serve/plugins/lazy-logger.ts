/**
 * `request.log` made on first use. Fastify gives every request a child of the server's logger
 * (pino's child(): bindings serialised, an object made), which costs a good part of a one-row
 * prediction; iris logs per request only on errors (the error handler, a failed stream), so the
 * child is made when one is logged.
 */
import type { FastifyBaseLogger } from 'fastify';

type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;
type LogFn = FastifyBaseLogger['info'];

class LazyChild {
  private made: FastifyBaseLogger | undefined;
  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}
  private get real(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }
  get level(): string {
    return this.real.level;
  }
  set level(level: string) {
    this.real.level = level;
  }
  fatal: LogFn = (...args: Parameters<LogFn>) => this.real.fatal(...(args as [string]));
  error: LogFn = (...args: Parameters<LogFn>) => this.real.error(...(args as [string]));
  warn: LogFn = (...args: Parameters<LogFn>) => this.real.warn(...(args as [string]));
  info: LogFn = (...args: Parameters<LogFn>) => this.real.info(...(args as [string]));
  debug: LogFn = (...args: Parameters<LogFn>) => this.real.debug(...(args as [string]));
  trace: LogFn = (...args: Parameters<LogFn>) => this.real.trace(...(args as [string]));
  silent: LogFn = () => undefined;
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }
}

/** Fastify's childLoggerFactory. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChild(logger, bindings, options) as unknown as FastifyBaseLogger;
}
