export interface Repeating {
  stop(): void;
}

/**
 * Runs `run` every `intervalMs` ± 20 % jitter, so many servers never act in step. The next run is
 * scheduled only once the previous one finished, so runs never overlap however long one takes;
 * a run that throws is handed to `onError` and the schedule goes on.
 */
export function repeatWithJitter(run: () => Promise<unknown>, intervalMs: number, onError: (err: unknown) => void, random: () => number = Math.random): Repeating {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    const delay = Math.max(1, Math.round(intervalMs * (0.8 + 0.4 * random())));
    timer = setTimeout(() => {
      void run().catch(onError).finally(schedule);
    }, delay);
    timer.unref?.();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
