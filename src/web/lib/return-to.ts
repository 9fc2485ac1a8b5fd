/**
 * Where to come back after signing in (e.g. the QR signing page a learner
 * opened before having a session). Kept in localStorage because the magic link
 * may open in another tab; only same-origin paths, for 30 minutes.
 */
const KEY = 'emarge.returnTo';
const TTL_MS = 30 * 60 * 1000;

export function rememberReturnTo(path: string): void {
  if (!path.startsWith('/') || path.startsWith('//')) return;
  try {
    localStorage.setItem(KEY, JSON.stringify({ path, at: Date.now() }));
  } catch {
    // storage unavailable: the person navigates back by hand
  }
}

/** The remembered path (forgotten once read), or null. */
export function takeReturnTo(): string | null {
  try {
    const raw = localStorage.getItem(KEY);
    localStorage.removeItem(KEY);
    if (!raw) return null;
    const { path, at } = JSON.parse(raw) as { path?: unknown; at?: unknown };
    if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || typeof at !== 'number' || Date.now() - at > TTL_MS) return null;
    return path;
  } catch {
    return null;
  }
}
