'use client';

import { useEffect, useRef, useState, type FormEvent } from 'react';
import {
  ApiError,
  getConfig,
  login,
  type AuthMechanism,
  type Security,
  type ServerConfig,
  type SessionInfo,
} from './api-client';
import { asApiError } from './inbox-helpers';
import { autoLogin, type LoginAttempt } from './auto-login';
import { errorSentence, loginFieldFor, type LoginField } from './error-messages';
import { FieldError } from './field-error';
import { FormField } from './form-field';
import { Icon } from './icon';
import { InsecureWarning } from './insecure-warning';
import { forgetLogin, readSavedLogin, saveLogin } from './saved-login';
import { ServerDiscoveryOffer } from './server-discovery-offer';
import { useServerDiscovery, type DiscoveredServer } from './use-server-discovery';
import { OAuthButtons, providerFor } from './oauth-buttons';

type SecurityChoice = 'auto' | Security;

const SECURITY_LABELS: Record<Security, string> = {
  tls: 'TLS',
  starttls: 'STARTTLS',
  none: 'plain (unencrypted)',
};

const DEFAULT_PORTS: Record<Security, number> = { tls: 995, starttls: 110, none: 110 };

interface LoginFormProps {
  onLoggedIn: (session: SessionInfo) => void;
  /** Shown above the form, e.g. "Your session has ended" or "You are logged out". */
  notice: string | null;
}

/** One sentence per field that needs attention; several at once when the form is checked before sending. */
type FieldErrors = Partial<Record<LoginField, string>>;

/** Form order, so the first field with an error is the one focused. */
const FIELD_ORDER: readonly LoginField[] = ['form', 'host', 'security', 'port', 'allowInsecure', 'username', 'password'];

export function LoginForm({ onLoggedIn, notice }: LoginFormProps) {
  const [config, setConfig] = useState<ServerConfig | null>(null);
  const [configError, setConfigError] = useState<ApiError | null>(null);
  const [host, setHost] = useState('');
  const [security, setSecurity] = useState<SecurityChoice>('auto');
  const [port, setPort] = useState('');
  const [auth, setAuth] = useState<AuthMechanism>('auto');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [allowInsecure, setAllowInsecure] = useState(false);
  const [busy, setBusy] = useState(false);
  const [attempt, setAttempt] = useState<LoginAttempt | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  /** The field to focus after a check or an answer (a new object each time, so the same field is focused again). */
  const [focusRequest, setFocusRequest] = useState<{ field: LoginField } | null>(null);
  /** A configured "Sign in with …" provider to point at after a refused password login. */
  const [suggestedProvider, setSuggestedProvider] = useState<string | undefined>(undefined);
  const fieldRefs = useRef<Partial<Record<LoginField, HTMLElement | null>>>({});
  const refFor = (field: LoginField) => (element: HTMLElement | null) => {
    fieldRefs.current[field] = element;
  };
  const formErrorRef = useRef<HTMLDivElement | null>(null);
  const submitRef = useRef<HTMLButtonElement | null>(null);
  /** The login in progress, so Cancel can abort it. */
  const inFlight = useRef<AbortController | null>(null);
  const [cancelled, setCancelled] = useState(false);
  /** True when this browser remembers settings from an earlier login (shown with a way to forget them). */
  const [remembered, setRemembered] = useState(false);

  // Settings from the last login that worked, read after the first render (the server has no localStorage).
  useEffect(() => {
    const saved = readSavedLogin();
    if (!saved) return;
    setHost(saved.host);
    setSecurity(saved.security);
    setPort(saved.port);
    setUsername(saved.username);
    setRemembered(true);
    requestAnimationFrame(() => fieldRefs.current[saved.username ? 'password' : 'username']?.focus());
  }, []);
  // Leaving the form (e.g. the page is closed) abandons a login in progress.
  useEffect(() => () => inFlight.current?.abort(), []);

  const cancelLogin = () => {
    inFlight.current?.abort();
  };
  const forgetSettings = () => {
    forgetLogin();
    setRemembered(false);
    setHost('');
    setSecurity('auto');
    setPort('');
    setUsername('');
    fieldRefs.current[pinned ? 'username' : 'host']?.focus();
  };

  const loadConfig = () => {
    setConfigError(null);
    getConfig()
      .then(setConfig)
      .catch((cause: unknown) => {
        setConfigError(cause instanceof ApiError ? cause : new ApiError('BAD_RESPONSE', 'Bad configuration answer', 0));
      });
  };
  useEffect(loadConfig, []);

  // Move focus to the (first) field the errors concern, so keyboard and screen-reader users land on it.
  useEffect(() => {
    if (!focusRequest) return;
    const target = focusRequest.field === 'form' ? formErrorRef.current : fieldRefs.current[focusRequest.field];
    target?.focus();
  }, [focusRequest]);
  const showErrors = (next: FieldErrors) => {
    setErrors(next);
    const first = FIELD_ORDER.find((field) => next[field] !== undefined);
    if (first) setFocusRequest({ field: first });
  };
  /** A field the person changes loses its error at once: the sentence was about what it held before. */
  const clearErrors = (...fields: LoginField[]) =>
    setErrors((previous) => {
      if (!fields.some((field) => previous[field] !== undefined)) return previous;
      const next = { ...previous };
      for (const field of fields) delete next[field];
      return next;
    });

  const pinned = config?.pinned ?? null;
  const defaults = config?.defaults.port ?? DEFAULT_PORTS;

  // --- settings from the address (components/use-server-discovery.ts) -------------------------
  // Offered while the server fields are empty, or still hold what an earlier offer filled in.
  const [filledFrom, setFilledFrom] = useState<DiscoveredServer | null>(null);
  const serverFieldsFromOffer =
    filledFrom !== null && host === filledFrom.host && security === filledFrom.security && port === String(filledFrom.port);
  const discovery = useServerDiscovery(username, config !== null && !pinned && (host.trim() === '' || serverFieldsFromOffer));
  const offered = discovery.answer?.found ?? null;
  const offerApplied =
    serverFieldsFromOffer && offered !== null && offered.host === filledFrom.host && offered.port === filledFrom.port && offered.security === filledFrom.security;
  const fillFromDiscovery = (server: DiscoveredServer) => {
    setHost(server.host);
    setSecurity(server.security);
    setPort(String(server.port));
    setAllowInsecure(false);
    setFilledFrom(server);
    clearErrors('host', 'port', 'security', 'allowInsecure');
    fieldRefs.current.password?.focus();
  };
  const errorFor = (field: LoginField): string | null => errors[field] ?? null;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setSuggestedProvider(undefined);
    setCancelled(false);
    // Every missing or wrong field at once, so one try shows all there is to fix.
    const missing: FieldErrors = {};
    if (!pinned && !host.trim()) missing.host = 'Enter the address of your mail server, e.g. mail.example.org.';
    const portNumber = port.trim() ? Number(port) : undefined;
    if (!pinned && security !== 'auto' && portNumber !== undefined && (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535)) {
      missing.port = 'A port is a whole number from 1 to 65535.';
    }
    if (!pinned && security === 'none' && !allowInsecure) {
      missing.allowInsecure = 'Tick this box to send your password unencrypted, or choose TLS or STARTTLS.';
    }
    if (!username.trim()) missing.username = 'Enter your user name.';
    if (!password) missing.password = 'Enter your password.';
    showErrors(missing);
    if (Object.keys(missing).length > 0) return;
    const controller = new AbortController();
    inFlight.current = controller;
    setBusy(true);
    try {
      let session: SessionInfo;
      const authChoice = auth === 'auto' ? undefined : auth;
      if (pinned) {
        session = await login({ username: username.trim(), password }, controller.signal);
      } else if (security === 'auto') {
        session = await autoLogin({ host: host.trim(), username: username.trim(), password, auth: authChoice }, setAttempt, controller.signal);
      } else {
        setAttempt({ security, port: portNumber ?? defaults[security] });
        session = await login({
          host: host.trim(),
          port: portNumber,
          security,
          username: username.trim(),
          password,
          auth: authChoice,
          ...(security === 'none' ? { allowInsecure: true } : {}),
        }, controller.signal);
      }
      setPassword('');
      // Remembered only once they worked; pinned deployments have only a user name to remember.
      saveLogin(pinned ? { host: '', security: 'auto', port: '', username: username.trim() } : { host: host.trim(), security, port, username: username.trim() });
      onLoggedIn(session);
    } catch (cause) {
      if (controller.signal.aborted) {
        // Cancelled: back to the form at once, nothing to report but that.
        setCancelled(true);
        requestAnimationFrame(() => submitRef.current?.focus());
        return;
      }
      const apiError = asApiError(cause);
      let field = loginFieldFor(apiError);
      if (pinned && field !== 'password') field = 'form';
      if (security === 'auto' && (field === 'port' || field === 'security')) field = 'host';
      // Auto has no port to change: say which ports it tried, and what to do instead.
      const autoPortRefused = security === 'auto' && apiError.hint === 'change-port';
      showErrors({
        [field]: autoPortRefused
          ? 'Auto tries ports 995 and 110, which are not allowed here. Choose a security setting and enter the port.'
          : errorSentence(apiError),
      });
      setSuggestedProvider(providerFor(config?.providers ?? [], pinned?.host ?? host, apiError.hint)?.name);
    } finally {
      if (inFlight.current === controller) inFlight.current = null;
      setBusy(false);
      setAttempt(null);
    }
  };

  const formError = errorFor('form');
  const busyLabel = attempt
    ? `Trying ${SECURITY_LABELS[attempt.security]} on port ${attempt.port}…`
    : 'Logging in…';

  return (
    <div className="mx-auto flex min-h-full w-full max-w-md flex-col justify-center px-4 py-10 sm:py-16">
      <div className="mb-8 flex items-center gap-3">
        <span className="grid h-11 w-11 place-items-center rounded-xl bg-sky-700 text-white dark:bg-sky-500 dark:text-slate-950">
          <Icon name="mail" className="h-6 w-6" />
        </span>
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Postern</h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">See what a message is before you download it.</p>
        </div>
      </div>

      {notice ? (
        <p role="status" className="mb-4 rounded-lg border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-900 dark:border-sky-800 dark:bg-sky-950/60 dark:text-sky-100">
          {notice}
        </p>
      ) : null}

      <OAuthButtons providers={config?.providers ?? []} suggested={suggestedProvider} />

      <form
        onSubmit={submit}
        noValidate
        aria-labelledby="login-heading"
        className="space-y-5 rounded-xl border border-slate-200 bg-white p-5 shadow-sm sm:p-6 dark:border-slate-800 dark:bg-slate-900"
      >
        <h2 id="login-heading" className="text-lg font-semibold">
          Log in to your mailbox
        </h2>

        {formError ? (
          <div
            ref={formErrorRef}
            tabIndex={-1}
            role="alert"
            id="form-error"
            className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 outline-none dark:border-red-800 dark:bg-red-950/60 dark:text-red-100"
          >
            {formError}
          </div>
        ) : null}

        {configError ? (
          <div role="alert" className="flex items-center gap-3 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950/60 dark:text-amber-100">
            <span className="flex-1">Could not load the server settings. {errorSentence(configError)}</span>
            <button type="button" className="btn btn-secondary" onClick={loadConfig}>
              Retry
            </button>
          </div>
        ) : null}

        {pinned ? (
          <p className="flex items-center gap-2 rounded-md bg-slate-100 px-3 py-2 text-sm text-slate-700 dark:bg-slate-800 dark:text-slate-300">
            <Icon name={pinned.security === 'none' ? 'warning' : 'lock'} />
            <span>
              Server: <strong className="font-medium">{pinned.host}</strong> port {pinned.port},{' '}
              {SECURITY_LABELS[pinned.security]}
            </span>
          </p>
        ) : (
          <>
            <FormField name="host" label="Mail server (POP3)" error={errorFor('host')}>
              {(control) => (
                <input
                  {...control}
                  ref={refFor('host')}
                  type="text"
                  inputMode="url"
                  autoComplete="off"
                  autoCapitalize="none"
                  spellCheck={false}
                  placeholder="mail.example.org"
                  value={host}
                  onChange={(event) => {
                    setHost(event.target.value);
                    clearErrors('host');
                  }}
                />
              )}
            </FormField>

            <div className={`grid grid-cols-1 gap-4 ${security === 'auto' ? '' : 'sm:grid-cols-[1fr_7rem]'}`}>
              <FormField
                name="security"
                label="Security"
                error={errorFor('security')}
                hint={
                  security === 'auto'
                    ? 'Tries an encrypted connection on port 995, then STARTTLS on 110. Never sends your password in the clear.'
                    : security === 'none'
                      ? `Only for servers on a network you trust. The usual port is ${defaults.none}.`
                      : `Your password travels encrypted. The usual port is ${defaults[security]}.`
                }
              >
                {(control) => (
                  <select
                    {...control}
                    ref={refFor('security')}
                    value={security}
                    onChange={(event) => {
                      setSecurity(event.target.value as SecurityChoice);
                      setAllowInsecure(false);
                      clearErrors('security', 'port', 'allowInsecure');
                    }}
                  >
                    <option value="auto">Auto (TLS, then STARTTLS)</option>
                    <option value="tls">TLS</option>
                    <option value="starttls">STARTTLS</option>
                    <option value="none">None: plain, unencrypted</option>
                  </select>
                )}
              </FormField>
              {security !== 'auto' ? (
                <FormField name="port" label="Port" error={errorFor('port')} errorPlacedByForm>
                  {(control) => (
                    <input
                      {...control}
                      ref={refFor('port')}
                      type="text"
                      inputMode="numeric"
                      pattern="[0-9]*"
                      autoComplete="off"
                      placeholder={String(defaults[security])}
                      value={port}
                      onChange={(event) => {
                        setPort(event.target.value.replace(/[^0-9]/g, ''));
                        clearErrors('port');
                      }}
                    />
                  )}
                </FormField>
              ) : null}
              {/* The port's sentence under both fields: its own column is too narrow to read it in. */}
              {security !== 'auto' ? (
                <div className="sm:col-span-2 -mt-3 empty:hidden">
                  <FieldError id="port-error" message={errorFor('port')} />
                </div>
              ) : null}
            </div>

            {security === 'none' ? (
              <InsecureWarning
                checked={allowInsecure}
                onChange={(checked) => {
                  setAllowInsecure(checked);
                  clearErrors('allowInsecure');
                }}
                error={errorFor('allowInsecure')} inputRef={refFor('allowInsecure')} />
            ) : null}
          </>
        )}

        <FormField
          name="username"
          label="User name"
          error={errorFor('username')}
          after={!pinned ? <ServerDiscoveryOffer state={discovery} applied={offerApplied} onUse={fillFromDiscovery} /> : null}
        >
          {(control) => (
            <input
              {...control}
              ref={refFor('username')}
              type="text"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              value={username}
              onChange={(event) => {
                setUsername(event.target.value);
                clearErrors('username');
              }}
            />
          )}
        </FormField>

        <FormField name="password" label="Password" error={errorFor('password')}>
          {(control) => (
            <input
              {...control}
              ref={refFor('password')}
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(event) => {
                setPassword(event.target.value);
                clearErrors('password');
              }}
            />
          )}
        </FormField>

        {!pinned ? (
          <details className="text-sm">
            <summary className="cursor-pointer text-slate-700 dark:text-slate-300">Advanced</summary>
            <div className="mt-3">
              <label htmlFor="auth" className="field-label">
                Authentication method
              </label>
              <select
                id="auth"
                name="auth"
                value={auth}
                onChange={(event) => setAuth(event.target.value as AuthMechanism)}
                className="field-input"
              >
                <option value="auto">Automatic (best the server offers)</option>
                <option value="sasl-plain">SASL PLAIN</option>
                <option value="apop">APOP</option>
                <option value="user">USER / PASS</option>
              </select>
            </div>
          </details>
        ) : null}

        <div className="flex gap-2">
          <button
            ref={submitRef}
            type="submit"
            className="btn btn-primary min-w-0 flex-1 py-2.5"
            disabled={busy}
            aria-describedby={busy ? 'login-progress' : undefined}
          >
            {busy ? busyLabel : 'Log in'}
          </button>
          {busy ? (
            <button type="button" className="btn btn-secondary py-2.5" onClick={cancelLogin}>
              Cancel
            </button>
          ) : null}
        </div>
        <p id="login-progress" role="status" className={cancelled && !busy ? 'text-sm text-slate-700 dark:text-slate-300' : 'sr-only'}>
          {busy ? busyLabel : cancelled ? 'Login cancelled. Change the settings and try again.' : ''}
        </p>
        <p className="text-xs text-slate-600 dark:text-slate-400">
          Your password stays on the Postern server only while you are logged in; it is never stored in this browser.
          {remembered ? (
            <>
              {' '}
              This browser remembers the server and user name from your last login.{' '}
              <button type="button" className="underline underline-offset-2 hover:text-slate-900 dark:hover:text-slate-100" onClick={forgetSettings}>
                Forget them
              </button>
            </>
          ) : null}
        </p>
      </form>
    </div>
  );
}
