import { execFileSync } from 'node:child_process';

/** The CLI tests run the built program, as users do; build it once per run. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
