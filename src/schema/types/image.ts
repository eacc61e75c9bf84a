/**
 * Images: an entry's (EntryMedia) and a story's lead image (StoryImage) are
 * the same thing, validated by the same rules (src/editing/media-rules.ts),
 * so their GraphQL types share their fields.
 */
import type { EntryMedia } from '../../db/schema.js';
import { type BuilderTypes, builder } from '../builder.js';

export function imageFields(t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, EntryMedia>) {
  return {
    url: t.exposeString('url', { description: 'Where the image is: an absolute https:// URL, as the URL standard serialises it (spaces, quotes, `<` and `>` percent-encoded).' }),
    alt: t.exposeString('alt', { description: 'Text alternative for readers who cannot see the image.' }),
    caption: t.exposeString('caption', { nullable: true, description: 'What the image shows, as printed under it.' }),
    credit: t.exposeString('credit', { nullable: true, description: 'Who took or owns the image, e.g. "Reuters/Jane Doe".' }),
    width: t.exposeInt('width', { nullable: true, description: 'Width in pixels, when known (lets pages reserve its room).' }),
    height: t.exposeInt('height', { nullable: true, description: 'Height in pixels, when known.' }),
  };
}

export function imageInputFields(t: PothosSchemaTypes.InputFieldBuilder<BuilderTypes, 'InputObject'>) {
  return {
    url: t.string({ required: true, description: 'An absolute https:// URL of the image (other schemes, and a user name or password, are refused); stored as the URL standard serialises it.' }),
    alt: t.string({ required: true, description: 'Text alternative, up to 300 characters.' }),
    caption: t.string({ description: 'Caption, up to 500 characters.' }),
    credit: t.string({ description: 'Credit, up to 200 characters.' }),
    width: t.int({ description: 'Width in pixels (1–20000).' }),
    height: t.int({ description: 'Height in pixels (1–20000).' }),
  };
}

export const StoryImageRef = builder.objectRef<EntryMedia>('StoryImage').implement({
  description: 'A story\'s lead image, chosen by editors: shown at the top of its page and given to search engines (JSON-LD), feeds and ninjs.',
  fields: imageFields,
});

export const StoryImageInput = builder.inputType('StoryImageInput', {
  description: 'A story\'s lead image; validated like an entry\'s images.',
  fields: imageInputFields,
});
