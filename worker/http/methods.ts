/**
 * Which methods each path serves. One table for the Worker's router (405 with an
 * Allow header for every other method) and for the guard in vite.config.ts, which
 * answers the methods that the dev and preview servers cannot forward to the Worker
 * (TRACE, CONNECT, WebDAV verbs…) the same way. Pure: no Workers APIs, so the Vite
 * config in Node imports it too.
 */
export type Method = 'GET' | 'HEAD' | 'POST';

const READ: readonly Method[] = ['GET', 'HEAD'];
const WRITE: readonly Method[] = ['POST'];

/**
 * The methods `path` serves, or null when no method would find anything there (an
 * unknown API route: 404 whatever the method). Pages and static files are read-only.
 */
export function allowedMethods(path: string): readonly Method[] | null {
  if (path === '/api/sessions') return WRITE;
  if (/^\/api\/sessions\/[^/]+\/(?:publish|remix|sounds)$/.test(path)) return WRITE;
  if (/^\/api\/sounds\/[^/]+$/.test(path)) return READ;
  if (/^\/api\/sessions\/[^/]+\/ws$/.test(path)) return ['GET'];
  if (/^\/api\/sessions\/[^/]+$/.test(path)) return READ;
  if (/^\/api\/beats\/[^/]+\/remix$/.test(path)) return WRITE;
  // Fail closed: any other path under a beat refuses writes (405), even where a read is a 404.
  if (path === '/api/beats' || /^\/api\/beats\/[^/]+(?:\/.*)?$/.test(path)) return READ;
  if (path.startsWith('/api/')) return null;
  return READ;
}

/** The upload of a sound: the one POST whose body is not JSON (a WAV, checked byte by byte). */
export function isSoundUpload(path: string): boolean {
  return /^\/api\/sessions\/[^/]+\/sounds$/.test(path);
}

/** Published beats and their pages: a refused write there says why (`read_only`). */
export function isBeatPath(path: string): boolean {
  return /^\/(?:api\/beats|b|embed)\/./.test(path);
}

/** Why a request is refused before any handler sees it; the Worker and the Vite guard answer it alike. */
export interface MethodRefusal {
  status: 404 | 405;
  error: 'not_found' | 'method_not_allowed' | 'read_only';
  message: string;
  /** The Allow header a 405 must carry (RFC 9110 §15.5.6). */
  allow: string | null;
}

export function refuseMethod(path: string, method: string): MethodRefusal | null {
  const allowed = allowedMethods(path);
  if (!allowed) return { status: 404, error: 'not_found', message: 'no such route', allow: null };
  if ((allowed as readonly string[]).includes(method)) return null;
  const allow = allowed.join(', ');
  if (isBeatPath(path)) {
    return {
      status: 405,
      error: 'read_only',
      message: `published beats are read-only (${method} refused); remix it to edit a copy`,
      allow,
    };
  }
  return { status: 405, error: 'method_not_allowed', message: `${method} is not allowed here (allowed: ${allow})`, allow };
}
