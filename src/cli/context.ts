import type { ChalkInstance } from 'chalk';
import type { Readable, Writable } from 'node:stream';
import { resolve as resolvePath } from 'node:path';
import type { Model } from '../lib/model.js';

/** The process surroundings a command runs in; tests can pass their own. */
export interface CliEnvironment {
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

export type ColorChoice = boolean | undefined;

/**
 * The contract's colour order: --color/--no-color, then config `color`, then a non-empty NO_COLOR, then
 * FORCE_COLOR, then terminal detection. chalk alone would let FORCE_COLOR beat NO_COLOR.
 */
export function colorLevel(choice: ColorChoice, env: CliEnvironment['env'], isTTY: boolean | undefined): 0 | 1 {
  if (choice !== undefined) return choice ? 1 : 0;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force === '0' || force === 'false' ? 0 : 1;
  if (env.TERM === 'dumb') return 0;
  return isTTY === true ? 1 : 0;
}

/**
 * chalk is loaded only when some output may be coloured (see loadChalk): without colour, every style
 * is this plain stand-in, which returns its text unchanged (as chalk does at level 0).
 */
let chalk: typeof import('chalk') | undefined;

/** Loads chalk; main awaits it before it creates or re-colours a Context whose output may be coloured. */
export async function loadChalk(): Promise<void> {
  chalk ??= await import('chalk');
}

const PLAIN: ChalkInstance = new Proxy(
  Object.assign((...text: unknown[]) => text.join(' '), { level: 0 }),
  {
    get: (target, key) => (key === 'level' ? 0 : key in Function.prototype ? Reflect.get(target, key) : PLAIN),
  },
) as unknown as ChalkInstance;

function painter(level: 0 | 1): ChalkInstance {
  if (level === 0) return PLAIN;
  if (chalk === undefined) throw new Error('internal: colour output needs loadChalk() first');
  return new chalk.Chalk({ level });
}

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

const NO_SPINNER: Spinner = { update() {}, stop() {} };

export class Context {
  out!: ChalkInstance;
  err!: ChalkInstance;
  quiet = false;
  /** True under --json and the like: nothing decorative may run. */
  machineOutput = false;

  readonly #models = new Map<string, Promise<Model>>();

  constructor(
    readonly io: CliEnvironment,
    color: ColorChoice,
    readonly debug: boolean,
  ) {
    this.setColor(color);
  }

  /**
   * The model file at `path`, read and verified at most once per run, and only when a command asks
   * (docs/CLI.md: the artifact is read lazily, at most once per process). A failure is not kept.
   */
  model(path: string): Promise<Model> {
    const key = resolvePath(path);
    let pending = this.#models.get(key);
    if (pending === undefined) {
      pending = import('../lib/model.js').then(({ loadModel }) => loadModel(path));
      this.#models.set(key, pending);
      pending.catch(() => this.#models.delete(key));
    }
    return pending;
  }

  /** Re-decides colour once the configuration file (which may set `color`) is known. */
  setColor(color: ColorChoice): void {
    this.out = painter(colorLevel(color, this.io.env, this.io.stdout.isTTY));
    this.err = painter(colorLevel(color, this.io.env, this.io.stderr.isTTY));
  }

  write(text: string): void {
    this.io.stdout.write(text);
  }

  warn(message: string): void {
    if (this.quiet) return;
    this.io.stderr.write(`${this.err.yellow('iris: warning:')} ${message}\n`);
  }

  note(message: string): void {
    if (this.quiet || this.machineOutput) return;
    this.io.stderr.write(`${message}\n`);
  }

  /** An ora spinner on stderr, only on a terminal and never for machines (--json, --quiet, CI=true). */
  async spinner(text: string): Promise<Spinner> {
    const env = this.io.env;
    // ora redraws forever on a terminal that reports no width (some CI pseudo-terminals): no spinner there.
    const width = (this.io.stderr as { columns?: number }).columns ?? 0;
    if (this.quiet || this.machineOutput || this.io.stderr.isTTY !== true || width < 20 || env.CI === 'true' || env.CI === '1') {
      return NO_SPINNER;
    }
    const { default: ora } = await import('ora');
    const spinner = ora({ text, stream: this.io.stderr, color: 'cyan' }).start();
    return {
      update(next: string) {
        spinner.text = next;
      },
      stop() {
        spinner.stop();
      },
    };
  }
}
