import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../..');

/** A node program that compiles TypeScript on require as jest.config.js does, then loads `entry`. */
const bootOf = (entry: string) => `
const { transformSync } = require('@swc/core');
const { readFileSync } = require('node:fs');
const options = require(${JSON.stringify(join(__dirname, 'swc-options.json'))});
require.extensions['.ts'] = (module, filename) => {
  module._compile(transformSync(readFileSync(filename, 'utf8'), { ...options, filename }).code, filename);
};
require(${JSON.stringify(join(root, entry))});
`;

export interface SpawnedProcess {
  child: ChildProcess;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when it exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs one of the real entry points (src/main.ts, src/worker.ts) in a process of its own, from
 * the sources, for tests about the process itself: signals, shutdown, restarts.
 */
export function spawnEntry(entry: 'src/main.ts' | 'src/worker.ts', env: NodeJS.ProcessEnv): SpawnedProcess {
  const child = spawn(process.execPath, ['-e', bootOf(entry)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}
