/**
 * The logger: pino, with secrets redacted by path so tokens, keys and secret values never reach
 * a log line, whatever a caller passes in.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Field paths that may carry secrets anywhere in a log object. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'secret',
  '*.secret',
  'secrets',
  '*.secrets',
  'password',
  '*.password',
  'key',
  '*.key',
  'masterKey',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.cookie',
  'env',
  '*.env',
];

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Where lines go; defaults to stderr so stdout stays free for a command's real output. */
  destination?: DestinationStream;
}

/** Build a logger. Library code takes a Logger as a parameter; only edges call this. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const opts = {
    level: options.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(options.name === undefined ? {} : { name: options.name }),
  };
  return pino(opts, options.destination ?? pino.destination(2));
}

/** A logger that writes nothing: the default for library code when no logger is passed. */
export const silentLogger: Logger = pino({ level: 'silent' });
