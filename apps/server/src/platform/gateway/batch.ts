/**
 * Groups calls that arrive while earlier ones are being written, so a burst
 * (a fleet reconnecting after a restart) costs a few statements, not one
 * transaction per agent. Nothing waits on a timer: with no batch in flight a
 * call runs at once (no added latency for a single agent); while `concurrency`
 * batches are in flight, new calls queue and go together in the next one.
 */
export class Batcher<I, O> {
  private queue: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    /** Runs one batch; answers one result per item, in order (an Error: that item failed). */
    private readonly run: (items: I[]) => Promise<(O | Error)[]>,
    private readonly opts: { concurrency: number; maxBatch: number },
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.opts.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      Promise.resolve()
        .then(() => this.run(batch.map((b) => b.item)))
        .then(
          (results) =>
            batch.forEach((b, i) => {
              const r = results[i];
              if (r instanceof Error) b.reject(r);
              else b.resolve(r as O);
            }),
          (error: unknown) => batch.forEach((b) => b.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}

/**
 * Runs `fn` once per group of items with the same key (the partner: each
 * partner's rows are written in its own transaction), all groups at once, and
 * puts each group's answers back in item order. A group that fails fails its
 * items only.
 */
export async function perGroup<T, O>(
  items: T[],
  key: (item: T) => string,
  fn: (key: string, group: T[]) => Promise<O[]>,
): Promise<(O | Error)[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const k = key(item);
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(index);
  });
  const out: (O | Error)[] = new Array(items.length);
  await Promise.all(
    [...groups].map(async ([k, indexes]) => {
      try {
        const answers = await fn(
          k,
          indexes.map((i) => items[i]!),
        );
        indexes.forEach((i, j) => (out[i] = answers[j] as O));
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const i of indexes) out[i] = failure;
      }
    }),
  );
  return out;
}
