/**
 * The column sets loaders select, and the row types they return. One place
 * for them, so that a column added to a table reaches every query that
 * returns its rows, and the search columns (which no resolver needs, and
 * which are large) never leave the database.
 */
import { getTableColumns } from 'drizzle-orm';
import { type EntryRow, entries, people, places, quotes, stories } from './schema.js';

const { searchVector: _vector, searchConfig: _config, ...entryColumnSet } = getTableColumns(entries);
export const entryColumns = entryColumnSet;
/** An entry as loaders return it: every column but the search ones. */
export type Entry = Omit<EntryRow, 'searchVector' | 'searchConfig'>;

export const storyColumns = getTableColumns(stories);
export const personColumns = getTableColumns(people);
export const placeColumns = getTableColumns(places);
export const quoteColumns = getTableColumns(quotes);
