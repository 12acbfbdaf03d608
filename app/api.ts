/** The HTTP API, as the client uses it. */
export interface Created {
  id: string;
  url: string;
}

async function post<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method: 'POST',
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
  post<Created>('/api/sessions', name === undefined ? { template } : { template, name });
