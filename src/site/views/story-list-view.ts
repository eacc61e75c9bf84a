/** The front page: every story, live ones first, each with its status and its latest entry. */
import { type ViewNode, h } from '../html.js';
import type { StoryListResult, StoryStatus } from '../page-data.js';
import { STORY_STATUS_LABELS } from './story-view.js';

type StoryItem = StoryListResult['stories']['edges'][number]['node'];

// Within a status, the API's order holds: most recently updated first.
const STATUS_ORDER: Record<StoryStatus, number> = { LIVE: 0, PAUSED: 1, ENDED: 2, DRAFT: 3 };

export function sortLiveFirst(stories: readonly StoryItem[]): StoryItem[] {
  return stories
    .map((story, index) => ({ story, index }))
    .sort((a, b) => STATUS_ORDER[a.story.status] - STATUS_ORDER[b.story.status] || a.index - b.index)
    .map(({ story }) => story);
}

export function storyListView(stories: readonly StoryItem[], time: (iso: string) => string): ViewNode {
  return h(
    'main',
    { class: 'story-list-page', id: 'main' },
    h('h1', {}, 'Live blogs'),
    stories.length === 0
      ? h('p', {}, 'No stories yet.')
      : h(
          'ul',
          { class: 'story-list' },
          sortLiveFirst(stories).map((story) => {
            const latest = story.entries.edges[0]?.node;
            return h(
              'li',
              { class: 'story-card', 'data-status': story.status.toLowerCase() },
              h('p', { class: 'story-status', 'data-status': story.status.toLowerCase() }, STORY_STATUS_LABELS[story.status]),
              h('h2', {}, h('a', { href: `/live/${encodeURIComponent(story.slug)}` }, story.title)),
              story.summary ? h('p', { class: 'standfirst' }, story.summary) : null,
              h(
                'p',
                { class: 'last-update' },
                'Last update ',
                h('time', { datetime: story.updatedAt }, time(story.updatedAt)),
                latest ? [': ', h('span', { class: 'latest-headline' }, latest.headline)] : null,
              ),
            );
          }),
        ),
  );
}
