import { badUserInput } from '../../errors.js';
import { MAX_PAGE_SIZE } from '../../page-size.js';
import { builder } from '../builder.js';
import { assertNodeType } from '../global-id.js';
import { decodeGlobalId } from '../../global-id.js';

builder.queryField('nodes', (t) =>
  t.nodeList({
    description: `Fetches up to ${MAX_PAGE_SIZE} objects by their global IDs, in the same order; null for those that do not exist or are not visible to you.`,
    args: { ids: t.arg.idList({ required: true, description: `Global IDs, at most ${MAX_PAGE_SIZE}.` }) },
    ids: (_root, args, _ctx, info) => {
      if (args.ids.length > MAX_PAGE_SIZE) throw badUserInput('ids', `at most ${MAX_PAGE_SIZE} IDs at once`);
      const ids = args.ids.map(String);
      // Checked here so that an error names `ids` (the Relay plugin decodes them again, as `id`).
      for (const id of ids) assertNodeType(info.schema, decodeGlobalId(id, 'ids').typename, 'ids');
      return ids;
    },
  }),
);
