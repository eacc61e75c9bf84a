/**
 * What domain code (loaders, editing, the live bus) needs to act on
 * someone's behalf: the database and who is asking. The GraphQL Context
 * satisfies it, so resolvers pass `ctx` unchanged, while the domain stays
 * free of GraphQL and can be called (and tested) with just these two.
 */
import type { Db } from './db/client.js';
import type { Viewer } from './viewer.js';

export interface Access {
  db: Db;
  viewer: Viewer;
}
