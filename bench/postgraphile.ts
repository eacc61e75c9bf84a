/**
 * The comparison: PostGraphile 5 (Amber preset) on the same database, as a
 * user would run it to get a GraphQL API for these tables. Its own process:
 * `node --import tsx bench/postgraphile.ts`, with DATABASE_URL and PORT;
 * prints "listening <url>" when it serves.
 *
 * Node 20: PostGraphile 5 declares Node >= 22, and the one thing it uses
 * from 22 is Promise.withResolvers (every query fails without it), so a
 * four-line polyfill comes first. The fallback the brief allowed, v4.14,
 * needs graphql 15, and a second graphql copy beside our 16 breaks its
 * schema ("from another module or realm").
 *
 * PostGraphile has no full-text search of its own: the equivalent of
 * Diretta's `search` is a SQL function in a schema of its own
 * (`postgraphile_bench`, created here), which PostGraphile exposes as a
 * query field. It does what Diretta's search does: each story analysed in
 * its language, published entries of public stories, ranked by ts_rank.
 */
import './promise-with-resolvers.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import postgres from 'postgres';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');

const admin = postgres(url, { max: 1, onnotice: () => {} });
await admin.unsafe(`
  create schema if not exists postgraphile_bench;
  create or replace function postgraphile_bench.search_entries(query text) returns setof public.entries
  language sql stable as $$
    select e.*
    from public.entries e
    join (select distinct search_config as config, websearch_to_tsquery(search_config, query) as tsquery
          from public.stories where status <> 'draft') q
      on e.search_config = q.config and e.search_vector @@ q.tsquery
    -- The rule Diretta applies to every reader: a published entry of a story that is not a draft.
    where e.status = 'published' and exists (select 1 from public.stories s where s.id = e.story_id and s.status <> 'draft')
    order by ts_rank(e.search_vector, q.tsquery) desc, e.id desc
  $$;
`);
await admin.end();

const preset: GraphileConfig.Preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: url, schemas: ['public', 'postgraphile_bench'], poolConfig: { max: Number(process.env.DATABASE_POOL_SIZE ?? 10) } })],
  grafserv: { graphqlPath: '/graphql', graphiql: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on('error', (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`listening http://127.0.0.1:${port}`);
});
const stop = () => {
  server.close();
  void Promise.resolve(pgl.release()).finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
