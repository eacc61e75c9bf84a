/**
 * Turns constraint violations into client errors. The API validates inputs
 * first, so these mostly catch races (two editors taking the same slug) and
 * references to rows that do not exist.
 */
import { causeChain, clientError } from '../errors.js';

interface PgError {
  code: string;
  constraint?: string;
  constraint_name?: string;
}

function pgError(error: unknown): PgError | undefined {
  // drizzle wraps driver errors in DrizzleQueryError with the driver's error as `cause`.
  for (const e of causeChain(error)) {
    if (typeof (e as PgError).code === 'string' && /^[0-9A-Z]{5}$/.test((e as PgError).code)) return e as PgError;
  }
  return undefined;
}

/** Constraint name → the input field a client should fix. */
const fields: Record<string, string> = {
  stories_slug_key: 'input.slug',
  people_slug_key: 'input.slug',
  places_slug_key: 'input.slug',
  people_wikidata_id_key: 'input.wikidataId',
  places_wikidata_id_key: 'input.wikidataId',
  places_geonames_id_key: 'input.geonamesId',
  entry_people_person_id_people_id_fk: 'input.people',
  entry_places_place_id_places_id_fk: 'input.places',
  quotes_speaker_id_people_id_fk: 'input.speaker',
  places_parent_id_places_id_fk: 'input.parent',
  stories_coverage_check: 'input.coverageEndAt',
  webhooks_story_id_stories_id_fk: 'input.story',
};

export function mapDatabaseError(error: unknown): unknown {
  const pg = pgError(error);
  if (!pg) return error;
  const constraint = pg.constraint ?? pg.constraint_name ?? '';
  const field = fields[constraint] ?? 'input';
  switch (pg.code) {
    case '23505':
      return clientError('CONFLICT', `${field}: already taken`, { field, constraint });
    case '23503':
      return clientError('NOT_FOUND', `${field}: refers to something that does not exist`, { field, constraint });
    case '23514':
    case '23502':
    case '22001':
      return clientError('BAD_USER_INPUT', `${field}: not accepted (${constraint || pg.code})`, { field, constraint });
    default:
      return error;
  }
}

/** Deadlock, serialisation failure: the transaction lost a race and did nothing; running it again may well succeed. */
const RACE_LOST = new Set(['40P01', '40001']);

/**
 * Runs a write, converting constraint violations into client errors. A
 * transaction that lost a race (a deadlock with another editor's) is run
 * once more; losing again is a CONFLICT the client can retry, not a 500.
 */
export async function withConstraintErrors<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const code = pgError(error)?.code;
      if (code && RACE_LOST.has(code)) {
        if (attempt < 2) continue;
        throw clientError('CONFLICT', 'Another change to the same data got in the way: try again.', { sqlState: code });
      }
      throw mapDatabaseError(error);
    }
  }
}
