/**
 * What makes a quote acceptable, wherever it is written (with a new entry,
 * added to an entry, corrected): bounded texts, and someone it is attributed
 * to — a person of the catalog or, failing that, an attribution.
 */
import { z } from 'zod';
import { optionalProse, optionalText, prose } from './validation.js';

export const QUOTE_LIMITS = { text: 5_000, attribution: 200, source: 120, context: 500 } as const;

export const quoteFields = {
  text: prose(QUOTE_LIMITS.text),
  speakerId: z.number().int().nullish(),
  attribution: optionalText(QUOTE_LIMITS.attribution),
  source: optionalText(QUOTE_LIMITS.source),
  context: optionalProse(QUOTE_LIMITS.context),
};

export const SPEAKER_OR_ATTRIBUTION = 'give a speaker or an attribution';

/** Whether a quote names who said it; also checked on a quote as it stands after a partial update. */
export function namesSomeone(quote: { speakerId?: number | null | undefined; attribution?: string | null | undefined }): boolean {
  return quote.speakerId != null || !!quote.attribution;
}

/** For `.refine(...namesSomeoneRule)` on any schema with quote fields. */
export const namesSomeoneRule: [typeof namesSomeone, { message: string; path: string[] }] = [namesSomeone, { message: SPEAKER_OR_ATTRIBUTION, path: ['attribution'] }];

export const quoteSchema = z.object(quoteFields).refine(...namesSomeoneRule);
