/**
 * @generated SignedSource<<d076ade58599dde4e83d5cc286c2b16a>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
export type StoryStatus = "DRAFT" | "ENDED" | "LIVE" | "PAUSED" | "%future added value";
import { FragmentRefs } from "relay-runtime";
export type StoryHeader_story$data = {
  readonly image: {
    readonly alt: string;
    readonly credit: string | null | undefined;
    readonly url: string;
  } | null | undefined;
  readonly status: StoryStatus;
  readonly summary: string | null | undefined;
  readonly title: string;
  readonly " $fragmentType": "StoryHeader_story";
};
export type StoryHeader_story$key = {
  readonly " $data"?: StoryHeader_story$data;
  readonly " $fragmentSpreads": FragmentRefs<"StoryHeader_story">;
};

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": null,
  "name": "StoryHeader_story",
  "selections": [
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "title",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "summary",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "status",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "StoryImage",
      "kind": "LinkedField",
      "name": "image",
      "plural": false,
      "selections": [
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "url",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "alt",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "credit",
          "storageKey": null
        }
      ],
      "storageKey": null
    }
  ],
  "type": "Story",
  "abstractKey": null
};

(node as any).hash = "90ef1d733b2d3ce2366f501ccc8f87d2";

export default node;
