/**
 * A count of the steps linking takes: characters and marks looked at,
 * items read, trie steps, catalog candidates weighed. Editors' texts are
 * input like any other, and one hostile text must not hold the event loop:
 * tests check that the count grows in proportion to the text (ten times
 * the text, about ten times the steps), which no timing on a shared
 * machine could show reliably. Counting is one addition per step.
 */
export const linkingWork = { steps: 0 };
