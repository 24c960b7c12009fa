/**
 * Progress reporting for long work (training epochs, benchmarks, searches). On a TTY it redraws
 * one bar in place; otherwise it prints plain lines at most every `minIntervalMs`, so CI logs stay
 * readable. Library code receives a Progress and never writes to the terminal itself.
 */

export interface ProgressSink {
  /** Report `done` of `total` units with short `info` (e.g. "loss 0.31 acc 0.91"). */
  update(done: number, total: number, info?: string): void;
  /** Close the current bar with a final line. */
  finish(line?: string): void;
}

/** A sink that drops everything: the default for library calls made without a sink. */
export const noProgress: ProgressSink = { update() {}, finish() {} };

interface WritableLike {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** A sink writing to a stream (normally process.stderr) with a label such as "epoch 3/10". */
export class StreamProgress implements ProgressSink {
  private last = 0;
  private label = '';
  constructor(
    private readonly out: WritableLike,
    private readonly minIntervalMs = 2000,
  ) {}

  setLabel(label: string): void {
    this.label = label;
    this.last = 0;
  }

  update(done: number, total: number, info = ''): void {
    const now = Date.now();
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    if (this.out.isTTY) {
      if (now - this.last < 80 && done < total) return;
      const width = 28;
      const fill = Math.round(frac * width);
      const bar = '█'.repeat(fill) + '░'.repeat(width - fill);
      this.out.write(`\r${this.label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}% ${info}\x1b[K`);
    } else {
      if (now - this.last < this.minIntervalMs && done < total) return;
      this.out.write(`${this.label} ${done}/${total} ${info}\n`);
    }
    this.last = now;
  }

  finish(line = ''): void {
    if (this.out.isTTY) this.out.write(`\r${this.label} ${line}\x1b[K\n`);
    else if (line) this.out.write(`${this.label} ${line}\n`);
  }
}
