/**
 * @generated SignedSource<<1987ff424c42666752dee6b7cc384b13>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
import { FragmentRefs } from "relay-runtime";
export type EntryQuotes_entry$data = {
  readonly quotes: ReadonlyArray<{
    readonly id: string;
    readonly " $fragmentSpreads": FragmentRefs<"QuoteBlock_quote">;
  }>;
  readonly " $fragmentType": "EntryQuotes_entry";
};
export type EntryQuotes_entry$key = {
  readonly " $data"?: EntryQuotes_entry$data;
  readonly " $fragmentSpreads": FragmentRefs<"EntryQuotes_entry">;
};

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": null,
  "name": "EntryQuotes_entry",
  "selections": [
    {
      "alias": null,
      "args": null,
      "concreteType": "Quote",
      "kind": "LinkedField",
      "name": "quotes",
      "plural": true,
      "selections": [
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "id",
          "storageKey": null
        },
        {
          "args": null,
          "kind": "FragmentSpread",
          "name": "QuoteBlock_quote"
        }
      ],
      "storageKey": null
    }
  ],
  "type": "Entry",
  "abstractKey": null
};

(node as any).hash = "cd9c044fcf275afe9d1a4bfaf9e833db";

export default node;
