import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError, errorFromBody } from '../../../components/api-client';
import { errorSentence } from '../../../components/error-messages';
import { providerFor, signInFailureSentence } from '../../../components/oauth-sign-in';

const providers = [
  { name: 'google', label: 'Google', host: 'pop.gmail.com' },
  { name: 'microsoft', label: 'Microsoft', host: 'outlook.office365.com' },
];

describe('the login page after a failed sign-in', () => {
  test('each reason and code is a sentence naming the provider and the next step', () => {
    const failure = (code: string, reason: string | null = null) => ({ code, provider: 'google', reason, retryAfter: null });
    assert.match(signInFailureSentence(failure('OAUTH_FAILED', 'denied'), 'Google'), /did not allow Postern to use your Google mailbox.*try again/);
    assert.match(signInFailureSentence(failure('OAUTH_FAILED', 'state'), 'Google'), /took too long or was started in another tab/);
    assert.match(signInFailureSentence(failure('OAUTH_FAILED', 'username'), 'Google'), /did not share your e-mail address/);
    assert.match(signInFailureSentence(failure('OAUTH_FAILED', 'provider'), 'Google'), /Google could not complete the sign-in/);
    assert.match(signInFailureSentence(failure('AUTH_FAILED'), 'Google'), /refused the sign-in from Google.*POP access/);
    assert.match(signInFailureSentence(failure('REAUTH_REQUIRED'), 'Google'), /sign in again/i);
    assert.match(
      signInFailureSentence({ code: 'RATE_LIMITED', provider: 'google', reason: null, retryAfter: 30 }, 'Google'),
      /30 seconds/,
    );
  });

  test("a password refused as 'OAuth only' points at that server's provider", () => {
    assert.equal(providerFor(providers, ' Outlook.Office365.com ', 'oauth-required')?.name, 'microsoft');
    assert.equal(providerFor(providers, 'pop.gmail.com', 'app-password')?.name, 'google');
    assert.equal(providerFor(providers, 'pop.gmail.com', null), undefined, 'a plain wrong password suggests nothing');
    assert.equal(providerFor(providers, 'mail.example.org', 'oauth-required'), undefined, 'no provider for that server');
  });

  test("the server's hint and sentence reach the form", () => {
    const error = errorFromBody({ error: { code: 'AUTH_FAILED', message: 'Microsoft accepts only "Sign in with Microsoft" for POP.', hint: 'oauth-required' } }, 401);
    assert.equal(error.hint, 'oauth-required');
    assert.equal(errorSentence(error), 'Microsoft accepts only "Sign in with Microsoft" for POP.');
    assert.equal(errorSentence(new ApiError('AUTH_FAILED', 'whatever', 401)), 'The server refused the user name or password.');
    assert.equal(errorFromBody({ error: { code: 'REAUTH_REQUIRED', message: 'x' } }, 401).code, 'REAUTH_REQUIRED');
  });
});
