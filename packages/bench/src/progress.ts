/** Progress while running: a cli-progress bar on a TTY, plain lines otherwise (CI logs). */
import cliProgress from 'cli-progress';

export interface Progress {
  /** A line for the log (kept above the bar on a TTY). */
  log(line: string): void;
  /** One unit of work finished; `quiet` skips its line (it was summarised elsewhere). */
  tick(label: string, quiet?: boolean): void;
  /** What is running now. */
  status(label: string): void;
  stop(): void;
}

export function makeProgress(total: number, opts: { tty?: boolean } = {}): Progress {
  const tty = opts.tty ?? Boolean(process.stderr.isTTY);
  if (!tty) {
    let done = 0;
    return {
      log: (line) => process.stderr.write(`${line}\n`),
      tick: (label, quiet) => {
        done++;
        if (!quiet) process.stderr.write(`[${done}/${total}] ${label}\n`);
      },
      status: () => {},
      stop: () => {},
    };
  }
  const multi = new cliProgress.MultiBar(
    { format: ' {bar} {value}/{total} | {label}', hideCursor: true, clearOnComplete: false, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  const bar = multi.create(total, 0, { label: 'starting' });
  return {
    log: (line) => multi.log(`${line}\n`),
    tick: (label, quiet) => {
      if (!quiet) multi.log(`${label}\n`);
      bar.increment(1, { label });
    },
    status: (label) => bar.update({ label }),
    stop: () => multi.stop(),
  };
}
