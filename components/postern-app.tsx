'use client';

import { useCallback, useEffect, useState } from 'react';
import { ApiError, getSession, onSessionExpired, type SessionInfo } from './api-client';
import { errorSentence } from './error-messages';
import { InboxView } from './inbox-view';
import { LoginForm } from './login-form';

type AppState =
  | { screen: 'checking' }
  | { screen: 'login'; notice: string | null }
  | { screen: 'inbox'; session: SessionInfo; key: number };

/** Logged in or not: the inbox, or the login form (with a word on why we are back there). */
export function PosternApp() {
  const [state, setState] = useState<AppState>({ screen: 'checking' });

  useEffect(() => {
    const controller = new AbortController();
    getSession(controller.signal)
      .then((session) => setState({ screen: 'inbox', session, key: Date.now() }))
      .catch((cause: unknown) => {
        if (controller.signal.aborted) return;
        const notice =
          cause instanceof ApiError && cause.code !== 'NO_SESSION' ? `Could not check your session. ${errorSentence(cause)}` : null;
        setState({ screen: 'login', notice });
      });
    return () => controller.abort();
  }, []);

  useEffect(
    () =>
      onSessionExpired((error) => {
        setState({ screen: 'login', notice: errorSentence(error) });
      }),
    [],
  );

  const onLoggedIn = useCallback((session: SessionInfo) => setState({ screen: 'inbox', session, key: Date.now() }), []);
  const onLoggedOut = useCallback((notice: string) => setState({ screen: 'login', notice }), []);

  switch (state.screen) {
    case 'checking':
      return (
        <main className="flex min-h-full items-center justify-center" aria-busy="true">
          <h1 className="sr-only">Postern</h1>
          <p role="status" className="text-sm text-slate-600 dark:text-slate-400">
            Loading…
          </p>
        </main>
      );
    case 'login':
      return (
        <main className="min-h-full">
          <LoginForm onLoggedIn={onLoggedIn} notice={state.notice} />
        </main>
      );
    case 'inbox':
      return <InboxView key={state.key} session={state.session} onLoggedOut={onLoggedOut} />;
  }
}
