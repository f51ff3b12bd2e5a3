import { pino, type DestinationStream, type Logger } from 'pino';
import { makeScrubber } from './scrub.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  format: 'auto' | 'json' | 'pretty';
  /** Secret values from the config: any log line containing one has it replaced. */
  secrets?: readonly string[];
  /** Where lines go; stdout by default, a buffer in tests. */
  destination?: DestinationStream;
}

/** Config and header keys that hold secrets, wherever they appear in a logged object. */
const REDACT_PATHS = [
  'webhook_url',
  '*.webhook_url',
  'token',
  '*.token',
  'bearer_token',
  '*.bearer_token',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
];

/**
 * The one root logger. Areas take `logger.child({ module })`. Secrets are removed twice: by key
 * (pino's redact) and by value on the serialised line, since an error message can quote one.
 */
export function createLogger(options: LoggerOptions): Logger {
  const scrub = makeScrubber(options.secrets ?? []);
  const pretty = options.format === 'pretty' || (options.format === 'auto' && process.stdout.isTTY && !options.destination);
  const base = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '<redacted>' },
    hooks: {
      streamWrite: scrub,
    },
  };
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } } });
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}
