/**
 * A stage of a run, timed: `stage-started` before it, `stage-ended` after it
 * (with its seconds, whether it worked, and for transfers the bytes it moved,
 * as its progress counted them), whether it returns or throws. People see
 * neither event: the stages print their own lines.
 */
import { systemClock, type Clock } from "../aws/retry.js";
import type { StageName } from "../ui/events.js";
import type { Reporter } from "../ui/reporter.js";

export async function timedStage<T>(stage: StageName, deps: { reporter: Reporter; clock?: Clock }, work: (reporter: Reporter) => Promise<T>): Promise<T> {
  const { reporter } = deps;
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  let bytes = 0;
  // The stage's own reporter counts what its progress lines count.
  const counting: Reporter = {
    ...reporter,
    progress: (label, totalBytes) => {
      const progress = reporter.progress(label, totalBytes);
      return { ...progress, advance: (count) => ((bytes += count), progress.advance(count)) };
    },
  };
  reporter.emit({ type: "stage-started", stage });
  const ended = (ok: boolean) => {
    const seconds = Math.round(clock.now() - started) / 1000;
    reporter.emit({ type: "stage-ended", stage, seconds, ok, ...(stage === "upload" || stage === "download" ? { bytes } : {}) });
  };
  try {
    const result = await work(counting);
    ended(true);
    return result;
  } catch (error) {
    ended(false);
    throw error;
  }
}
