import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseOAuthProviders, publicOriginSetting } from '../../../lib/oauth/config';

const secrets = (name: string) => ({ [`POSTERN_OAUTH_${name}_CLIENT_ID`]: `${name}-id`, [`POSTERN_OAUTH_${name}_CLIENT_SECRET`]: `${name}-secret` });

describe('OAuth provider configuration', () => {
  test('none configured: no providers', () => {
    assert.deepEqual(parseOAuthProviders({}), []);
  });

  test('google and microsoft need only a client id and secret', () => {
    const [google, microsoft] = parseOAuthProviders({ POSTERN_OAUTH_PROVIDERS: 'google, Microsoft', ...secrets('GOOGLE'), ...secrets('MICROSOFT') });
    assert.equal(google?.issuer, 'https://accounts.google.com');
    assert.match(google?.scope ?? '', /(^| )https:\/\/mail\.google\.com\/( |$)/);
    assert.deepEqual(google?.pop3, { host: 'pop.gmail.com', port: 995, security: 'tls' });
    assert.equal(google?.mechanism, 'xoauth2');
    assert.equal(google?.xoauth2TwoLine, false);
    assert.equal(google?.authorizationParams.access_type, 'offline');
    assert.equal(google?.promptConsent, true);
    assert.equal(microsoft?.promptConsent, false, 'forced consent would stop accounts whose administrator consents');
    assert.equal(microsoft?.name, 'microsoft');
    assert.match(microsoft?.scope ?? '', /https:\/\/outlook\.office\.com\/POP\.AccessAsUser\.All/);
    assert.match(microsoft?.scope ?? '', /offline_access/);
    assert.deepEqual(microsoft?.pop3, { host: 'outlook.office365.com', port: 995, security: 'tls' });
    assert.equal(microsoft?.xoauth2TwoLine, true);
    assert.equal(microsoft?.clientSecret, 'MICROSOFT-secret');
  });

  test('a preset can be overridden variable by variable', () => {
    const [google] = parseOAuthProviders({
      POSTERN_OAUTH_PROVIDERS: 'google',
      ...secrets('GOOGLE'),
      POSTERN_OAUTH_GOOGLE_LABEL: 'Google Workspace',
      POSTERN_OAUTH_GOOGLE_POP3_SERVER: 'pop.example.com:1995:tls',
    });
    assert.equal(google?.label, 'Google Workspace');
    assert.deepEqual(google?.pop3, { host: 'pop.example.com', port: 1995, security: 'tls' });
  });

  test('a custom OpenID Connect provider', () => {
    const [corp] = parseOAuthProviders({
      POSTERN_OAUTH_PROVIDERS: 'corp',
      ...secrets('CORP'),
      POSTERN_OAUTH_CORP_ISSUER: 'https://id.corp.example',
      POSTERN_OAUTH_CORP_POP3_SERVER: 'pop.corp.example:995:tls',
      POSTERN_OAUTH_CORP_MECHANISM: 'oauthbearer',
      POSTERN_OAUTH_CORP_USERNAME_CLAIM: 'upn',
    });
    assert.equal(corp?.label, 'Corp');
    assert.equal(corp?.mechanism, 'oauthbearer');
    assert.deepEqual(corp?.usernameClaims, ['upn']);
    assert.match(corp?.scope ?? '', /openid/);
    assert.equal(corp?.promptConsent, true, 'offline_access needs consent at an OpenID Connect provider');
  });

  test('POSTERN_PUBLIC_URL is an origin', () => {
    assert.equal(publicOriginSetting({ POSTERN_PUBLIC_URL: 'https://mail.example.org/' }), 'https://mail.example.org');
    assert.equal(publicOriginSetting({}), undefined);
    assert.throws(() => publicOriginSetting({ POSTERN_PUBLIC_URL: 'mail.example.org' }), /POSTERN_PUBLIC_URL/);
  });

  test('every problem is named, with its variable', () => {
    assert.throws(
      () =>
        parseOAuthProviders({
          POSTERN_OAUTH_PROVIDERS: 'corp,bad-name,google',
          POSTERN_OAUTH_CORP_CLIENT_ID: 'x',
          POSTERN_OAUTH_CORP_MECHANISM: 'plain',
          POSTERN_OAUTH_GOOGLE_CLIENT_ID: 'y',
        }),
      (error: Error) =>
        /POSTERN_OAUTH_CORP_CLIENT_SECRET/.test(error.message) &&
        /POSTERN_OAUTH_CORP_MECHANISM/.test(error.message) &&
        /"bad-name"/.test(error.message) &&
        /POSTERN_OAUTH_GOOGLE_CLIENT_SECRET/.test(error.message),
    );
  });

  test('a custom provider needs an issuer or both endpoints, and a POP3 server', () => {
    assert.throws(() => parseOAuthProviders({ POSTERN_OAUTH_PROVIDERS: 'corp', ...secrets('CORP') }), /ISSUER .*required.*POP3_SERVER is required|POP3_SERVER is required/);
    assert.throws(
      () => parseOAuthProviders({ POSTERN_OAUTH_PROVIDERS: 'corp', ...secrets('CORP'), POSTERN_OAUTH_CORP_AUTHORIZATION_URL: 'https://a.example/auth', POSTERN_OAUTH_CORP_POP3_SERVER: 'p:995:tls' }),
      /AUTHORIZATION_URL and TOKEN_URL go together/,
    );
  });

  test('plain OAuth 2.0 endpoints: an ID token needs its issuer, and without one the user name comes from userinfo', () => {
    const base = {
      POSTERN_OAUTH_PROVIDERS: 'corp',
      ...secrets('CORP'),
      POSTERN_OAUTH_CORP_POP3_SERVER: 'p:995:tls',
      POSTERN_OAUTH_CORP_AUTHORIZATION_URL: 'https://a.example/auth',
      POSTERN_OAUTH_CORP_TOKEN_URL: 'https://a.example/token',
    };
    assert.throws(() => parseOAuthProviders(base), /POSTERN_OAUTH_CORP_ISSUER is required with openid/);
    assert.throws(() => parseOAuthProviders({ ...base, POSTERN_OAUTH_CORP_SCOPE: 'pop offline_access' }), /USERINFO_URL is required/);
    const [corp] = parseOAuthProviders({ ...base, POSTERN_OAUTH_CORP_SCOPE: 'pop offline_access', POSTERN_OAUTH_CORP_USERINFO_URL: 'https://a.example/me' });
    assert.equal(corp?.issuer, undefined);
    assert.equal(corp?.userinfoUrl, 'https://a.example/me');
    assert.equal(parseOAuthProviders({ ...base, POSTERN_OAUTH_CORP_ISSUER: 'https://a.example' })[0]?.issuer, 'https://a.example');
  });

  test('plain http only on loopback', () => {
    const base = { POSTERN_OAUTH_PROVIDERS: 'corp', ...secrets('CORP'), POSTERN_OAUTH_CORP_POP3_SERVER: 'p:995:tls' };
    // The whole variable's name, not its prefix.
    assert.throws(() => parseOAuthProviders({ ...base, POSTERN_OAUTH_CORP_ISSUER: 'http://id.example' }), /POSTERN_OAUTH_CORP_ISSUER: http:\/\/id\.example must use https/);
    const endpoints = { ...base, POSTERN_OAUTH_CORP_ISSUER: 'https://id.example', POSTERN_OAUTH_CORP_AUTHORIZATION_URL: 'https://id.example/a' };
    assert.throws(() => parseOAuthProviders({ ...endpoints, POSTERN_OAUTH_CORP_TOKEN_URL: 'http://id.example/t' }), /POSTERN_OAUTH_CORP_TOKEN_URL: http:\/\/id\.example\/t must use https/);
    assert.equal(parseOAuthProviders({ ...base, POSTERN_OAUTH_CORP_ISSUER: 'http://127.0.0.1:4000' })[0]?.issuer, 'http://127.0.0.1:4000');
  });
});
