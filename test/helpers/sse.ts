/** A real Server-Sent Events subscriber (GraphQL over SSE, Yoga's "distinct connections" mode). */
export interface SseSubscription<T> {
  /** The `data` of each `next` event, parsed. */
  values: T[];
  /** The raw lines of the stream so far (errors, `complete`). */
  text(): string;
  /** Resolves once `count` values have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves with the first chunk that is not a keep-alive comment: the stream has started (or was refused). */
  started: Promise<void>;
  /** Resolves once the server ended the stream. */
  ended: Promise<void>;
  /** Goes away (aborts the request). */
  close(): void;
}

export function sseSubscribe<T = unknown>(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): SseSubscription<T> {
  const controller = new AbortController();
  const values: T[] = [];
  let raw = '';
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const ended = (async () => {
    try {
      const response = await fetch(`${url}/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify(variables))}`, {
        headers: { accept: 'text/event-stream', ...headers },
        signal: controller.signal,
      });
      // Headers arrive once the subscription is set up (or refused).
      markStarted();
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let pending = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        const text = decoder.decode(chunk.value, { stream: true });
        raw += text;
        pending += text;
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const message = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const lines = message.split('\n');
          const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
          const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          if (event === 'next' && data) values.push((JSON.parse(data) as { data: T }).data);
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    } finally {
      markStarted();
    }
  })();
  return {
    values,
    text: () => raw,
    started,
    ended,
    waitFor: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = () => {
          if (values.length >= count) return resolve(values.slice(0, count));
          if (Date.now() > deadline) return reject(new Error(`timed out with ${values.length}/${count} SSE values: ${raw.slice(-500)}`));
          setTimeout(check, 10);
        };
        check();
      }),
    close: () => controller.abort(),
  };
}
