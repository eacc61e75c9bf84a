/**
 * @generated SignedSource<<702f2c7add53c4aee41bcfabe452b9a7>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
export type EntryStatus = "DRAFT" | "PUBLISHED" | "RETRACTED" | "SCHEDULED" | "%future added value";
import { FragmentRefs } from "relay-runtime";
export type EntryCard_entry$data = {
  readonly author: string | null | undefined;
  readonly body: string | null | undefined;
  readonly headline: string;
  readonly media: ReadonlyArray<{
    readonly alt: string;
    readonly caption: string | null | undefined;
    readonly credit: string | null | undefined;
    readonly height: number | null | undefined;
    readonly url: string;
    readonly width: number | null | undefined;
  }>;
  readonly publishedAt: string | null | undefined;
  readonly status: EntryStatus;
  readonly " $fragmentSpreads": FragmentRefs<"EntryCorrections_entry" | "EntryQuotes_entry">;
  readonly " $fragmentType": "EntryCard_entry";
};
export type EntryCard_entry$key = {
  readonly " $data"?: EntryCard_entry$data;
  readonly " $fragmentSpreads": FragmentRefs<"EntryCard_entry">;
};

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": null,
  "name": "EntryCard_entry",
  "selections": [
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "headline",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "body",
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
      "kind": "ScalarField",
      "name": "publishedAt",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "author",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "EntryMedia",
      "kind": "LinkedField",
      "name": "media",
      "plural": true,
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
          "name": "caption",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "credit",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "width",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "height",
          "storageKey": null
        }
      ],
      "storageKey": null
    },
    {
      "args": null,
      "kind": "FragmentSpread",
      "name": "EntryQuotes_entry"
    },
    {
      "args": null,
      "kind": "FragmentSpread",
      "name": "EntryCorrections_entry"
    }
  ],
  "type": "Entry",
  "abstractKey": null
};

(node as any).hash = "2391562c376ff2fbe0b0b0d31da454df";

export default node;
