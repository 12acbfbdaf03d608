// Tells the Workers types what this Worker's bindings and exports are, so that `env`
// and `exports` from "cloudflare:workers" (and "cloudflare:test") are typed. A module
// with `declare global`, because TypeScript 7 ignores an `extends import(...)` in a
// global .d.ts file. Types only: nothing here runs.
import type { Env as Bindings } from './env';
import type * as MainModule from './index';

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {}
    interface GlobalProps {
      mainModule: typeof MainModule;
      durableNamespaces: 'SessionRoom';
    }
  }
}
