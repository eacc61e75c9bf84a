/** A real graphql-ws client against the test server. */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface Received<T> {
  values: T[];
  errors: unknown[];
  completed: boolean;
  /** Resolves once `count` values have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  stop(): void;
}

export function wsClient(httpUrl: string, connectionParams?: Record<string, unknown>, options: { retryAttempts?: number; lazy?: boolean } = {}): Client {
  return createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: options.retryAttempts ?? 0,
    lazy: options.lazy ?? true,
  });
}

export function collect<T = unknown>(client: Client, query: string, variables?: Record<string, unknown>): Received<T> {
  const received: Received<T> = {
    values: [],
    errors: [],
    completed: false,
    waitFor: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const check = () => {
          if (received.values.length >= count) return resolve(received.values.slice(0, count));
          if (received.errors.length || received.completed) return reject(new Error(`subscription ended after ${received.values.length} values: ${JSON.stringify(received.errors)}`));
          if (Date.now() - started > timeoutMs) return reject(new Error(`timed out with ${received.values.length}/${count} values`));
          setTimeout(check, 10);
        };
        check();
      }),
    stop: () => {},
  };
  received.stop = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) received.errors.push(value.errors);
        else received.values.push(value.data as T);
      },
      error: (error) => received.errors.push(error),
      complete: () => {
        received.completed = true;
      },
    },
  );
  return received;
}
