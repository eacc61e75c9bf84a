/**
 * What makes an image acceptable, an entry's or a story's lead image: an https URL (pages served over
 * https must not load mixed content, and other schemes — javascript:, data:,
 * file: — have no business in an <img>), a text alternative for readers who
 * cannot see it, and bounded caption, credit and dimensions. The URL is
 * stored as the URL standard serialises it (src/editing/validation.ts, webUrl).
 */
import { z } from 'zod';
import type { EntryMedia } from '../db/schema.js';
import { optionalProse, optionalText, text, webUrl } from './validation.js';

export const MEDIA_LIMITS = { items: 10, url: 2_000, alt: 300, caption: 500, credit: 200, pixels: 20_000 } as const;

const httpsUrl = webUrl({ schemes: ['https:'], max: MEDIA_LIMITS.url });

const dimension = z.number().int('must be a whole number of pixels').min(1, 'must be at least 1').max(MEDIA_LIMITS.pixels, `must be at most ${MEDIA_LIMITS.pixels}`).nullish();

export const mediaItemSchema = z.object({
  url: httpsUrl,
  alt: text(MEDIA_LIMITS.alt),
  caption: optionalProse(MEDIA_LIMITS.caption),
  credit: optionalText(MEDIA_LIMITS.credit),
  width: dimension,
  height: dimension,
});

export const mediaSchema = z.array(mediaItemSchema).max(MEDIA_LIMITS.items, `at most ${MEDIA_LIMITS.items} images`);

/** One validated image as the database stores it (entries.media, stories.image): every key present, null when absent. */
export function storedImage(m: z.output<typeof mediaItemSchema>): EntryMedia {
  return { url: m.url, alt: m.alt, caption: m.caption ?? null, credit: m.credit ?? null, width: m.width ?? null, height: m.height ?? null };
}

/** The validated list as the entries.media column stores it. */
export function storedMedia(items: z.output<typeof mediaSchema>): EntryMedia[] {
  return items.map(storedImage);
}
