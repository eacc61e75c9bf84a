/** Promise.withResolvers (Node 22) for PostGraphile 5 on Node 20; see bench/postgraphile.ts. */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}
const PromiseWith = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
PromiseWith.withResolvers ??= <T>() => {
  let resolve!: Resolvers<T>['resolve'];
  let reject!: Resolvers<T>['reject'];
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
};
