import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api, setCsrfToken } from '../api/client.ts';
import type { Role, SessionInfo } from '../api/types.ts';

interface SessionState {
  /** undefined while loading, null when signed out. */
  session: SessionInfo | null | undefined;
  loadError: unknown;
  /** `organisation`: a slug, for an email that is a person in several organisations. */
  signIn(email: string, password: string, organisation?: string): Promise<void>;
  consumeMagicLink(token: string): Promise<void>;
  signOut(): Promise<void>;
  refresh(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(null);

  // Bumped by every sign-in, link or sign-out: a session check started before it must not overwrite its result.
  const generation = useRef(0);

  const accept = useCallback((info: SessionInfo | null) => {
    setCsrfToken(info?.csrfToken ?? null);
    setSession(info);
  }, []);
  const change = useCallback(
    (info: SessionInfo | null) => {
      generation.current += 1;
      accept(info);
    },
    [accept],
  );

  const refresh = useCallback(async () => {
    const started = generation.current;
    try {
      setLoadError(null);
      const info = await api.get<SessionInfo>('/auth/session');
      if (generation.current === started) accept(info);
    } catch (error) {
      if (generation.current !== started) return;
      if (!(error instanceof ApiError && error.status === 401)) setLoadError(error);
      accept(null);
    }
  }, [accept]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const value = useMemo<SessionState>(
    () => ({
      session,
      loadError,
      refresh,
      async signIn(email, password, organisation) {
        change(await api.post<SessionInfo>('/auth/sign-in', { email, password, ...(organisation ? { organisation } : {}) }));
      },
      async consumeMagicLink(token) {
        change(await api.post<SessionInfo>('/auth/magic-link/consume', { token }));
      },
      async signOut() {
        try {
          await api.post('/auth/sign-out');
        } finally {
          change(null);
        }
      },
    }),
    [session, loadError, refresh, change],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

/** The signed-in session (pages under the authenticated layout only). */
export function useSignedIn(): SessionInfo {
  const { session } = useSession();
  if (!session) throw new Error('useSignedIn without a session');
  return session;
}

export function isStaff(roles: readonly Role[]): boolean {
  return roles.includes('admin') || roles.includes('manager');
}
