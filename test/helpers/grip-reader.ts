/** A reader of a held SSE stream (through Pushpin): every message with its id, resumable with Last-Event-ID. */
export interface HeldMessage<T> {
  id: string | null;
  /** The `data` of a `next` event, parsed; null for a message that only moves the id. */
  data: T | null;
}

export interface HeldReader<T> {
  messages: HeldMessage<T>[];
  /** The `next` events' data, in order. */
  values(): T[];
  /** The last id the stream carried (what a browser sends back as Last-Event-ID). */
  lastId: string | null;
  /** Set once the stream ended (by the server, the proxy or the network), with why. */
  endedBy: string | null;
  status: number | null;
  /** Everything the stream carried. */
  raw: string;
  close(): void;
}

/** Opens `GET /graphql?query…` with `Accept: text/event-stream` at `base`, from `localAddress` when given. */
export function readHeld<T = unknown>(base: string, query: string, variables: Record<string, unknown>, lastEventId?: string | null): HeldReader<T> {
  const controller = new AbortController();
  const reader: HeldReader<T> = {
    messages: [],
    values: () => reader.messages.flatMap((m) => (m.data === null ? [] : [m.data])),
    lastId: lastEventId ?? null,
    endedBy: null,
    status: null,
    raw: '',
    close: () => controller.abort(),
  };
  void (async () => {
    try {
      const url = `${base}/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify(variables))}`;
      const response = await fetch(url, { headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }, signal: controller.signal });
      reader.status = response.status;
      const body = response.body!.getReader();
      const decoder = new TextDecoder();
      let pending = '';
      for (let chunk = await body.read(); !chunk.done; chunk = await body.read()) {
        const text = decoder.decode(chunk.value, { stream: true });
        reader.raw += text;
        pending += text;
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const lines = block.split('\n');
          const id = lines.find((l) => l.startsWith('id:'))?.slice(3).trim() ?? null;
          const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
          const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          if (id === null && !event) continue; // a keep-alive comment
          if (id !== null) reader.lastId = id;
          reader.messages.push({ id, data: event === 'next' && data ? (JSON.parse(data) as { data: T }).data : null });
        }
      }
      reader.endedBy = 'the stream ended';
    } catch (error) {
      reader.endedBy = (error as Error).name === 'AbortError' ? 'closed by the reader' : `error: ${(error as Error).message}`;
    }
  })();
  return reader;
}
