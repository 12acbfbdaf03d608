// @ts-check
// The session model (core/) as the app and the Worker run it, loaded from its
// TypeScript sources: the scripts take every limit, version and template from here
// instead of copying them.
import { registerTypeScriptHooks } from './typescript-hooks.mjs';

registerTypeScriptHooks();

export const core = await import('../core/index.ts');
