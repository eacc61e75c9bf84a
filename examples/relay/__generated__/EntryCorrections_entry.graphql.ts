/**
 * @generated SignedSource<<c6f20012dec50b1af5f0e5d6fdfc43a7>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
import { FragmentRefs } from "relay-runtime";
export type EntryCorrections_entry$data = {
  readonly revisions: {
    readonly edges: ReadonlyArray<{
      readonly node: {
        readonly correctionNote: string | null | undefined;
        readonly id: string;
        readonly revisedAt: string;
        readonly revision: number;
      };
    }>;
  };
  readonly " $fragmentType": "EntryCorrections_entry";
};
export type EntryCorrections_entry$key = {
  readonly " $data"?: EntryCorrections_entry$data;
  readonly " $fragmentSpreads": FragmentRefs<"EntryCorrections_entry">;
};

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": null,
  "name": "EntryCorrections_entry",
  "selections": [
    {
      "alias": null,
      "args": [
        {
          "kind": "Literal",
          "name": "correctionsOnly",
          "value": true
        },
        {
          "kind": "Literal",
          "name": "first",
          "value": 5
        }
      ],
      "concreteType": "EntryRevisionConnection",
      "kind": "LinkedField",
      "name": "revisions",
      "plural": false,
      "selections": [
        {
          "alias": null,
          "args": null,
          "concreteType": "EntryRevisionEdge",
          "kind": "LinkedField",
          "name": "edges",
          "plural": true,
          "selections": [
            {
              "alias": null,
              "args": null,
              "concreteType": "EntryRevision",
              "kind": "LinkedField",
              "name": "node",
              "plural": false,
              "selections": [
                {
                  "alias": null,
                  "args": null,
                  "kind": "ScalarField",
                  "name": "id",
                  "storageKey": null
                },
                {
                  "alias": null,
                  "args": null,
                  "kind": "ScalarField",
                  "name": "revision",
                  "storageKey": null
                },
                {
                  "alias": null,
                  "args": null,
                  "kind": "ScalarField",
                  "name": "revisedAt",
                  "storageKey": null
                },
                {
                  "alias": null,
                  "args": null,
                  "kind": "ScalarField",
                  "name": "correctionNote",
                  "storageKey": null
                }
              ],
              "storageKey": null
            }
          ],
          "storageKey": null
        }
      ],
      "storageKey": "revisions(correctionsOnly:true,first:5)"
    }
  ],
  "type": "Entry",
  "abstractKey": null
};

(node as any).hash = "b92d9febf82ddf9d62c4ce86712cd75e";

export default node;
