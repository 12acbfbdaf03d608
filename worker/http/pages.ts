/**
 * HTML pages that carry data: the published beat page (/b/<id>) with its link-preview
 * meta tags, and the embed player (/embed/<id>); and the editor's page (/s/<id>,
 * /listen/<id>), whose first screen the Worker draws. Both are the built client pages with
 * the beat's JSON inlined, so they render without another request and without any
 * Durable Object. Every name is escaped by HTMLRewriter (attributes and text) or, in
 * the inline JSON, by escaping '<'.
 */
import type { Env } from '../env';
import { EMBED_SIZE, editedBeforeCookie, embedSnippet, escapeAttr, INLINE_BEAT_ELEMENT_ID, type BeatDocument } from '../../core';
import { IMMUTABLE, readBeat } from './beats';
import { error } from './responses';
import { renderPreviewPng } from './previewImage';
import { beatPageHtml } from './beatHtml';
import { editorShellHtml } from './editorShellHtml';

function summary(beat: BeatDocument): string {
  const tracks = beat.tracks
    .map((t) => t.name)
    .slice(0, 6)
    .join(', ');
  return `A beat at ${Math.round(beat.tempo)} BPM with ${beat.tracks.length} track${beat.tracks.length === 1 ? '' : 's'}${tracks ? ` (${tracks})` : ''}. Play it, remix it, make your own on Keyboardia.`;
}

/** The beat JSON as an inert script block: '<' escaped so no name can close the tag. */
const inlineJson = (id: string, data: unknown) =>
  `<script type="application/json" id="${id}">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`;

async function assetHtml(env: Env, request: Request, path: string): Promise<Response> {
  return env.ASSETS.fetch(new Request(new URL(path, request.url), { headers: { Accept: 'text/html' } }));
}

export async function handleBeatPage(request: Request, env: Env, id: string): Promise<Response> {
  const beat = await readBeat(env, id);
  const page = await assetHtml(env, request, '/');
  if (!beat) {
    return new Response(page.body, { status: 404, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' } });
  }
  const origin = new URL(request.url).origin;
  const pageUrl = `${origin}/b/${beat.beatId}`;
  const image = `${origin}/b/${beat.beatId}/preview.png`;
  const title = `${beat.name} · Keyboardia`;
  const meta: [string, string, string][] = [
    ['property', 'og:type', 'music.song'],
    ['property', 'og:site_name', 'Keyboardia'],
    ['property', 'og:title', beat.name],
    ['property', 'og:description', summary(beat)],
    ['property', 'og:url', pageUrl],
    ['property', 'og:image', image],
    ['property', 'og:image:width', '1200'],
    ['property', 'og:image:height', '630'],
    ['name', 'twitter:card', 'summary_large_image'],
    ['name', 'twitter:title', beat.name],
    ['name', 'twitter:description', summary(beat)],
    ['name', 'twitter:image', image],
    ['name', 'description', summary(beat)],
  ];
  const rewritten = new HTMLRewriter()
    .on('title', { element: (el) => void el.setInnerContent(title) })
    .on('meta[name="description"]', { element: (el) => void el.remove() })
    .on('head', {
      element(head) {
        for (const [attr, key, value] of meta) head.append(`<meta ${attr}="${key}" content="${escapeAttr(value)}">`, { html: true });
        head.append(
          `<link rel="alternate" type="application/json+oembed" href="${escapeAttr(`${origin}/oembed?url=${encodeURIComponent(pageUrl)}&format=json`)}" title="${escapeAttr(beat.name)}">`,
          { html: true },
        );
        head.append(inlineJson(INLINE_BEAT_ELEMENT_ID, beat), { html: true });
      },
    })
    // The first screen in the HTML itself: it paints before the app's JavaScript runs.
    .on('#root', { element: (root) => void root.setInnerContent(beatPageHtml(beat), { html: true }) })
    .transform(page);
  return new Response(rewritten.body, {
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'public, max-age=300' },
  });
}

/**
 * The editor (/s/<id>) and a listen link (/listen/<id>): the app's page with its first
 * screen already in #root (worker/http/editorShellHtml.ts). Nothing of the session is in
 * it, so an unknown id gets the same page, and the app says what is wrong. The hint
 * depends on the visitor's cookie: never cached by a shared cache.
 */
export async function handleEditorPage(request: Request, env: Env, { listenLink }: { listenLink: boolean }): Promise<Response> {
  const page = await assetHtml(env, request, '/');
  const hint = !listenLink && !editedBeforeCookie(request.headers.get('Cookie'));
  const rewritten = new HTMLRewriter()
    .on('#root', { element: (root) => void root.setInnerContent(editorShellHtml({ hint }), { html: true }) })
    .transform(page);
  return new Response(rewritten.body, {
    status: page.status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'private, no-cache', Vary: 'Cookie' },
  });
}

export async function handleEmbedPage(request: Request, env: Env, id: string): Promise<Response> {
  const beat = await readBeat(env, id);
  const page = await assetHtml(env, request, '/embed');
  // An unknown beat: the player itself, with no beat inlined, says so inside the host's
  // iframe (and links to Keyboardia), as the beat page does; not a bare line of text.
  if (!beat) {
    return new Response(page.body, { status: 404, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' } });
  }
  const rewritten = new HTMLRewriter()
    .on('title', { element: (el) => void el.setInnerContent(`${beat.name} · Keyboardia player`) })
    .on('head', { element: (head) => void head.append(inlineJson(INLINE_BEAT_ELEMENT_ID, beat), { html: true }) })
    .transform(page);
  return new Response(rewritten.body, {
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'public, max-age=300' },
  });
}

export async function handlePreviewImage(env: Env, id: string): Promise<Response> {
  const beat = await readBeat(env, id);
  if (!beat) return error(404, 'not_found', 'no such beat');
  return new Response(await renderPreviewPng(beat), { headers: { 'Content-Type': 'image/png', 'Cache-Control': IMMUTABLE } });
}

/** oEmbed (https://oembed.com): lets platforms turn a beat link into the player. */
export async function handleOembed(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const target = url.searchParams.get('url') ?? '';
  const format = url.searchParams.get('format') ?? 'json';
  if (format !== 'json') return error(501, 'bad_request', 'only format=json is supported');
  let id: string | undefined;
  try {
    const parsed = new URL(target);
    id = parsed.origin === url.origin ? parsed.pathname.match(/^\/(?:b|embed)\/([0-9A-Za-z]+)$/)?.[1] : undefined;
  } catch {
    id = undefined;
  }
  const beat = id ? await readBeat(env, id) : null;
  if (!beat) return error(404, 'not_found', 'url is not a published beat on this site');
  const maxWidth = Number(url.searchParams.get('maxwidth')) || Infinity;
  const width = Math.min(EMBED_SIZE.width, maxWidth);
  return new Response(
    JSON.stringify({
      version: '1.0',
      type: 'rich',
      provider_name: 'Keyboardia',
      provider_url: url.origin,
      title: beat.name,
      width,
      height: EMBED_SIZE.height,
      html: embedSnippet(url.origin, beat.beatId, beat.name, width),
      thumbnail_url: `${url.origin}/b/${beat.beatId}/preview.png`,
      thumbnail_width: 1200,
      thumbnail_height: 630,
    }),
    {
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'public, max-age=3600',
        'Access-Control-Allow-Origin': '*',
      },
    },
  );
}
