import { Writable } from 'node:stream';

/** Every line amcord logged, kept so tests can assert on logs (and on secrets not being in them). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }

  get text(): string {
    return this.lines.join('\n');
  }

  /** Parsed JSON lines whose `msg` contains `message`. */
  entries(message: string): Record<string, unknown>[] {
    return this.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => typeof entry['msg'] === 'string' && entry['msg'].includes(message));
  }
}
