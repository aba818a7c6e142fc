import { useState } from 'preact/hooks';
import type { AppModel } from '../state/app-model';

/** Sign-in with an API token; it is kept for this tab only. */
export function SignIn({ model }: { model: AppModel }) {
  const [token, setToken] = useState('');
  const busy = model.phase === 'signing-in';
  const submit = (e: Event): void => {
    e.preventDefault();
    if (token.trim() && !busy) void model.signIn(token);
  };
  return (
    <main class="signin" id="main">
      <form class="card signin-card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <div class="brand brand-large" aria-hidden="true">
          <img src="./favicon.svg" alt="" width={32} height={32} /> coachline
        </div>
        <h1 id="signin-title">Sign in to live supervision</h1>
        <p class="muted">Use the API token your administrator gave you. It is kept in this browser tab only and forgotten when you sign out or close the tab.</p>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          value={token}
          aria-invalid={model.signInError ? 'true' : undefined}
          aria-describedby={model.signInError ? 'signin-error' : undefined}
          onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)}
        />
        {model.signInError ? (
          <p id="signin-error" class="error" role="alert">
            {model.signInError}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={busy || !token.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
