/**
 * Whether a byline names a person or a desk. Editors say so on the entry
 * (`bylineKind`); where they did not, the name decides: a byline holding a
 * word newsrooms use for a desk, a newsroom or an agency ("Redazione
 * Esteri", "Desk Ucraina", "Newsroom", "Staff", "Agenzia Nova") is a desk,
 * anything else a person. The guess is only a fallback: a desk called
 * something else needs the flag.
 */
import type { BylineKind } from '../db/schema.js';

const DESK_WORDS = [
  'redazione', 'redazioni', 'desk', 'newsdesk', 'newsroom', 'staff', 'team', 'editorial', 'editors', 'agency', 'agenzia', 'agencia',
  'ufficio', 'servizio', 'servizi', 'redaktion', 'rédaction', 'redacción', 'redaccion', 'redação', 'redacao', 'bureau',
];
const DESK = new RegExp(`(^|[^\\p{L}])(${DESK_WORDS.join('|')})($|[^\\p{L}])`, 'iu');

export function bylineKindOf(byline: string, said: BylineKind | null | undefined): BylineKind {
  if (said) return said;
  return DESK.test(byline) ? 'organization' : 'person';
}
