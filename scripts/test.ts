/**
 * `npm test`: the type check, the linter and the test suite, side by side
 * rather than one after the other — the suite spends most of its time
 * waiting on sockets and databases, and the checks fill that time. Arguments
 * go to vitest (`npm test -- --reporter=json …`). The checks run at a lower
 * CPU priority, so that they take the time the suite leaves idle; their
 * output is printed when each ends, the suite's as it comes. Exits non-zero
 * when any of the three fails, naming which.
 */
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';

interface Outcome {
  name: string;
  code: number;
  seconds: number;
}

const started = performance.now();

function run(name: string, command: string, args: string[], options: { buffered: boolean; nice: number }): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: options.buffered ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    if (options.nice && child.pid) {
      try {
        setPriority(child.pid, options.nice);
      } catch {
        // Not allowed here: it runs at the same priority, which is only slower.
      }
    }
    const output: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
    const finish = (code: number) => {
      const seconds = (performance.now() - started) / 1000;
      if (options.buffered) {
        const text = Buffer.concat(output).toString().trimEnd();
        console.log(`\n== ${name} (${code === 0 ? 'passed' : `failed, exit code ${code}`}, done at ${seconds.toFixed(0)} s)${text ? `\n${text}` : ''}`);
      }
      resolve({ name, code, seconds });
    };
    child.on('error', (error) => {
      output.push(Buffer.from(String(error)));
      finish(1);
    });
    child.on('close', (code, signal) => finish(code ?? (signal ? 1 : 0)));
  });
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const outcomes = await Promise.all([
  run('npm run typecheck', npm, ['run', '--silent', 'typecheck'], { buffered: true, nice: 10 }),
  run('npm run lint', npm, ['run', '--silent', 'lint'], { buffered: true, nice: 10 }),
  run('vitest run', process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)], { buffered: false, nice: 0 }),
]);
const failed = outcomes.filter((o) => o.code !== 0);
console.log(`\nnpm test: ${outcomes.map((o) => `${o.name} ${o.code === 0 ? 'passed' : 'FAILED'}`).join(', ')}`);
process.exitCode = failed.length > 0 ? 1 : 0;
