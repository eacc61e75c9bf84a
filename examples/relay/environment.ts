/**
 * The Relay environment for Diretta: queries over HTTP, subscriptions over
 * graphql-ws (the same URL, ws:// instead of http://). DateTime arrives as an
 * ISO 8601 string and JSON as any JSON value (relay.config.json maps them).
 */
import { createClient } from 'graphql-ws';
import { Environment, type FetchFunction, Network, Observable, RecordSource, Store, type SubscribeFunction } from 'relay-runtime';

export function createEnvironment(url = 'http://localhost:4000/graphql', token?: string): Environment {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const fetchQuery: FetchFunction = async (operation, variables) => {
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query: operation.text, variables }) });
    return response.json();
  };
  const sockets = createClient({ url: url.replace(/^http/, 'ws'), connectionParams: token ? { authorization: `Bearer ${token}` } : {} });
  const subscribe: SubscribeFunction = (operation, variables) =>
    Observable.create((sink) =>
      sockets.subscribe(
        { operationName: operation.name, query: operation.text ?? '', variables },
        { next: (value) => sink.next(value as Parameters<typeof sink.next>[0]), error: (error) => sink.error(error instanceof Error ? error : new Error(String(error))), complete: () => sink.complete() },
      ),
    );
  return new Environment({ network: Network.create(fetchQuery, subscribe), store: new Store(new RecordSource()) });
}
