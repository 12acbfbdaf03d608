// Tells the Workers types what this Worker's bindings and exports are, so that
// `env` and `exports` from "cloudflare:workers" are typed (in tests too).
declare namespace Cloudflare {
  interface Env extends import('./env').Env {}
  interface GlobalProps {
    mainModule: typeof import('./index');
    durableNamespaces: 'SessionRoom';
  }
}
