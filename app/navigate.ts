/**
 * Client-side navigation: push a path and tell the router (App.tsx listens for
 * popstate). Its own module so that pages can navigate without importing the router
 * that imports them.
 */
export function navigate(url: string): void {
  history.pushState(null, '', url);
  dispatchEvent(new PopStateEvent('popstate'));
}
