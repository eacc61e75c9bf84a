/** How the browser renders a story: in the story's language, at the reader's own time zone and clock. */
import { clockFor, wordsFor } from '../views/locale.js';
import type { ViewOptions } from '../views/story-view.js';

export function readerView(language: string, storyHref: string, embed: boolean): ViewOptions {
  const words = wordsFor(language);
  return { clock: clockFor(words), now: Date.now, words, storyHref, embed, language };
}
