/**
 * The few globals every runtime that runs core provides (browsers, workerd, Node >= 17),
 * declared here because core compiles without the DOM, Workers or Node types
 * (tsconfig.core.json): nothing else may be used.
 */
export {};
declare global {
  function structuredClone<T>(value: T): T;
}
