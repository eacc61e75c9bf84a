/** Page sizes of every connection: part of the API's contract, read by loaders and by the cost estimate. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
