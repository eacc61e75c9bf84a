/**
 * @generated SignedSource<<23d9d8be1e2bfa11952428b47ba28e4a>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
import { FragmentRefs } from "relay-runtime";
export type QuoteBlock_quote$data = {
  readonly attribution: string;
  readonly source: string | null | undefined;
  readonly speaker: {
    readonly " $fragmentSpreads": FragmentRefs<"SpeakerCard_person">;
  } | null | undefined;
  readonly text: string;
  readonly " $fragmentType": "QuoteBlock_quote";
};
export type QuoteBlock_quote$key = {
  readonly " $data"?: QuoteBlock_quote$data;
  readonly " $fragmentSpreads": FragmentRefs<"QuoteBlock_quote">;
};

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": null,
  "name": "QuoteBlock_quote",
  "selections": [
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "text",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "source",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "attribution",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "Person",
      "kind": "LinkedField",
      "name": "speaker",
      "plural": false,
      "selections": [
        {
          "args": null,
          "kind": "FragmentSpread",
          "name": "SpeakerCard_person"
        }
      ],
      "storageKey": null
    }
  ],
  "type": "Quote",
  "abstractKey": null
};

(node as any).hash = "9ea242035f343a6c8b81a9dffe570abd";

export default node;
