// Counters first. A bulk intake (server/batches/job.ts) runs several workers at once; on a busy machine they would
// take the CPU and the database from a clerk waiting at the counter. The counter's intakes say when they are in
// flight here, and the batch's extra workers give way while any is (up to a bounded wait, so the batch never stops):
// its first worker always goes on. Per process, as the CPU is.
export type Foreground = {
  /** Runs a counter intake, counted as in flight while it runs. */
  run<T>(work: () => Promise<T>): Promise<T>;
  /** Resolves when no counter intake is in flight, or after `maxWaitMs`, whichever is first. */
  idle(maxWaitMs: number): Promise<void>;
  readonly inFlight: number;
};

export function createForeground(): Foreground {
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const wake = () => {
    const woken = waiters;
    waiters = [];
    for (const w of woken) w();
  };
  return {
    async run(work) {
      inFlight++;
      try {
        return await work();
      } finally {
        if (--inFlight === 0) wake();
      }
    },
    idle(maxWaitMs) {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== done);
          resolve();
        }, maxWaitMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push(done);
      });
    },
    get inFlight() {
      return inFlight;
    },
  };
}
