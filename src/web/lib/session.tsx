import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, api, setCsrfToken } from '../api/client.ts';
import type { Role, SessionInfo } from '../api/types.ts';

interface SessionState {
  /** undefined while loading, null when signed out. */
  session: SessionInfo | null | undefined;
  loadError: unknown;
  signIn(email: string, password: string): Promise<void>;
  consumeMagicLink(token: string): Promise<void>;
  signOut(): Promise<void>;
  refresh(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(null);

  const accept = useCallback((info: SessionInfo | null) => {
    setCsrfToken(info?.csrfToken ?? null);
    setSession(info);
  }, []);

  const refresh = useCallback(async () => {
    try {
      setLoadError(null);
      accept(await api.get<SessionInfo>('/auth/session'));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) accept(null);
      else {
        setLoadError(error);
        accept(null);
      }
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
      async signIn(email, password) {
        accept(await api.post<SessionInfo>('/auth/sign-in', { email, password }));
      },
      async consumeMagicLink(token) {
        accept(await api.post<SessionInfo>('/auth/magic-link/consume', { token }));
      },
      async signOut() {
        try {
          await api.post('/auth/sign-out');
        } finally {
          accept(null);
        }
      },
    }),
    [session, loadError, refresh, accept],
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
