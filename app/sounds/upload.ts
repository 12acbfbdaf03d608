/**
 * Upload a prepared sound to the session (POST /api/sessions/:id/sounds). Through
 * XMLHttpRequest, whose upload.onprogress reports the bytes sent: fetch has no upload
 * progress. The server answers the sound's key (the SHA-256 of the bytes), its size and
 * duration; it stores the object only once every check passed.
 */
export interface UploadedSound {
  key: string;
  bytes: number;
  durationMs: number;
}

export function uploadSound(
  sessionId: string,
  wav: Blob,
  onProgress?: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<UploadedSound> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/sessions/${encodeURIComponent(sessionId)}/sounds`);
    xhr.setRequestHeader('Content-Type', 'audio/wav');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress?.(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: reported below by status
      }
      if (xhr.status === 200 || xhr.status === 201) {
        const sound = body as Partial<UploadedSound> | null;
        if (sound && typeof sound.key === 'string' && /^[0-9a-f]{64}$/.test(sound.key)) {
          onProgress?.(1);
          resolve({ key: sound.key, bytes: Number(sound.bytes), durationMs: Number(sound.durationMs) });
        } else reject(new Error('The server answered the upload without a sound key.'));
        return;
      }
      const problem = body as { error?: string; message?: string } | null;
      const detail = problem?.message ?? problem?.error ?? `HTTP ${xhr.status}`;
      const retry = xhr.status === 429 ? xhr.getResponseHeader('Retry-After') : null;
      reject(new Error(`The upload was refused: ${detail}${retry ? ` (try again in ${retry} s)` : ''}.`));
    };
    xhr.onerror = () => reject(new Error('The upload failed: the server could not be reached.'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(wav);
  });
}
