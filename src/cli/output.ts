/**
 * The CLI's one output helper: results go to stdout, messages and errors to stderr. Commands
 * print only through this module so that library code never touches the console.
 */
import { type LeptonError, exitCodeFor, toLeptonError } from '../core/errors.js';

export const out = {
  /** A command's result, as text. */
  line(text: string): void {
    console.log(text);
  },
  /**
   * A command's result, as pretty JSON (what scripts parse). Numbers go out at full precision
   * (JSON.stringify prints the shortest string that reads back as the same double): commands must
   * not round values they hand to `json`; only the human `line` form may round.
   */
  json(value: unknown): void {
    console.log(JSON.stringify(value, null, 2));
  },
  /** A human message that is not the result. */
  info(text: string): void {
    console.error(text);
  },
  /** A one-line error: `error LEPTON_ERR_X: message`. */
  error(err: LeptonError): void {
    console.error(`error ${err.code}: ${err.message}`);
  },
};

/**
 * Behave like other CLI tools when a reader goes away (`lep … | head -1`): instead of an unhandled
 * EPIPE stack, stop quietly once stdout is gone (nobody reads the result any more; exit code as set so
 * far, else 0), and drop messages when only stderr is gone so the command still ends with its own code.
 */
export function quietOnBrokenPipe(): void {
  const onError =
    (stream: 'stdout' | 'stderr') =>
    (err: NodeJS.ErrnoException): void => {
      if (err.code !== 'EPIPE') throw err; // anything else is a real fault: keep Node's default report
      if (stream === 'stdout') process.exit();
    };
  process.stdout.on('error', onError('stdout'));
  process.stderr.on('error', onError('stderr'));
}

/** Run a command body; map any failure to a one-line error and the right exit code. */
export async function runCommand(body: () => Promise<void> | void): Promise<void> {
  try {
    await body();
  } catch (err) {
    const e = toLeptonError(err);
    out.error(e);
    if (e.code === 'LEPTON_ERR_INTERNAL' && process.env['LEPTON_DEBUG']) console.error(e.cause);
    process.exitCode = exitCodeFor(e);
  }
}
