/** The HTTP API, as the client uses it. */
import type { BeatDocument, GalleryMetadata } from '../core';

export interface Created {
  id: string;
  url: string;
}

export interface Published {
  beatId: string;
  url: string;
  embedUrl: string;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => null)) as { message?: string } | null;
    throw new Error(problem?.message ?? `request failed (${response.status})`);
  }
  return (await response.json()) as T;
}

export const createSession = (template = 'starter', name?: string) =>
  request<Created>('POST', '/api/sessions', name === undefined ? { template } : { template, name });
export const publishSession = (sessionId: string) => request<Published>('POST', `/api/sessions/${sessionId}/publish`);
/** The session's listen link (made on first request): opens it live and read-only, never revealing its id. */
export const listenLinkOf = (sessionId: string) => request<{ listenId: string; url: string }>('POST', `/api/sessions/${sessionId}/listen`);
export const remixSession = (sessionId: string) => request<Created>('POST', `/api/sessions/${sessionId}/remix`);
export const remixBeat = (beatId: string) => request<Created>('POST', `/api/beats/${beatId}/remix`);
export const getBeat = (beatId: string) => request<BeatDocument>('GET', `/api/beats/${beatId}`);
export const listGallery = (cursor?: string) =>
  request<{ beats: GalleryMetadata[]; cursor: string | null }>(
    'GET',
    `/api/beats?limit=12${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
  );
