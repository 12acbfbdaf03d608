// @ts-check
// Lets the scripts import the project's TypeScript sources (core/, the sync client's
// protocol, the room's storage) with Node's own type stripping, so that they use the
// shipped code and its constants instead of copies. Two things Node does not do alone:
//   - core/ imports './model' as a bundler allows; Node wants the file name;
//   - RoomStorage uses parameter properties, which need the 'transform' mode.
// Call registerTypeScriptHooks() before the first dynamic import of a .ts file (static
// imports are resolved before any code of the importing module runs).
import { readFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

let registered = false;

/**
 * Register the resolve and load hooks once per process. Throws, saying how to run the
 * script instead, on a Node without them (the system Node 20; npm scripts use the
 * pinned Node 24).
 * @param {string} [runWith] how to run the script with the project's Node, for the error
 */
export function registerTypeScriptHooks(runWith = 'npm run …, or npx node <script>') {
  if (registered) return;
  const { registerHooks, stripTypeScriptTypes } = nodeModule;
  if (!registerHooks || !stripTypeScriptTypes || typeof WebSocket === 'undefined') {
    throw new Error(`Node ${process.version} is too old: run it with the project's Node (${runWith})`);
  }
  // Type stripping is experimental in Node 24: keep its warnings out of the output.
  const emitWarning = process.emitWarning;
  /** @type {typeof process.emitWarning} */
  const quieter = (warning, ...rest) => {
    if (String(warning).includes('stripTypeScriptTypes') || String(warning).includes('SQLite')) return;
    // @ts-expect-error: forwards whichever overload the caller used
    emitWarning.call(process, warning, ...rest);
  };
  process.emitWarning = quieter;
  // @types/node follows Node 26, which has no 'transform' mode; the pinned Node 24 has it.
  const transform = /** @type {nodeModule.StripTypeScriptTypesOptions} */ (/** @type {unknown} */ ({ mode: 'transform' }));
  registerHooks({
    resolve(specifier, context, next) {
      try {
        return next(specifier, context);
      } catch (error) {
        if (!/^\.\.?\//.test(specifier) || /\.[cm]?[jt]s$/.test(specifier)) throw error;
        try {
          return next(`${specifier}.ts`, context);
        } catch {
          return next(`${specifier}/index.ts`, context);
        }
      }
    },
    load(url, context, next) {
      if (!url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/')) return next(url, context);
      const source = stripTypeScriptTypes(readFileSync(fileURLToPath(url), 'utf8'), { ...transform, sourceUrl: url });
      return { format: 'module', source, shortCircuit: true };
    },
  });
  registered = true;
}
