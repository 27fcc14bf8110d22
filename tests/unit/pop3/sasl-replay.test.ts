import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Pop3Client, isPop3Error, type Pop3ClientOptions } from '../../../lib/pop3';
import { oauthBearerResponse, xoauth2Response } from '../../../lib/pop3/auth';
import { ALL_CHUNKINGS, ReplayPeer, describeChunking, type Chunking, type ReplayStep } from '../../support/fake-pop3-server';

/**
 * The OAuth SASL exchanges as byte-exact transcripts, replayed in every
 * chunking (whole, one byte per read, random splits): the client must write
 * exactly these bytes — in particular the answer to an error challenge — and
 * read the replies wherever they are split.
 */

async function replay(steps: ReplayStep[], chunking: Chunking, session: (client: Pop3Client) => Promise<void>, options: Pop3ClientOptions = { secure: true }): Promise<void> {
  const peer = new ReplayPeer(steps, chunking);
  const client = await Pop3Client.open(peer, options);
  await session(client);
  assert.equal(peer.mismatch, undefined);
  assert.equal(peer.writtenText(), ReplayPeer.expectedClientText(steps), 'the client wrote exactly the transcript');
  assert.ok(peer.finished, 'the whole transcript was played');
}

const GREETING = '+OK Gpop ready for requests from 95.86.241.51 n67mb28062338lja\r\n';
const GMAIL_CAPA = '+OK Capability list follows\r\nUSER\r\nRESP-CODES\r\nEXPIRE 0\r\nLOGIN-DELAY 300\r\nTOP\r\nUIDL\r\nX-GOOGLE-RICO\r\nSASL PLAIN XOAUTH2 OAUTHBEARER\r\n.\r\n';
const USER = 'someone@gmail.com';
const TOKEN = 'ya29.a0-replay';
const CHALLENGE = Buffer.from('{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}').toString('base64');

describe('OAuth SASL transcripts', () => {
  for (const chunking of ALL_CHUNKINGS) {
    test(`Gmail XOAUTH2, one line, accepted (${describeChunking(chunking)})`, async () => {
      await replay(
        [
          { server: GREETING },
          { client: 'CAPA\r\n' },
          { server: GMAIL_CAPA },
          { client: `AUTH XOAUTH2 ${xoauth2Response(USER, TOKEN)}\r\n` },
          { server: '+OK Welcome.\r\n' },
        ],
        chunking,
        async (client) => {
          await client.capa();
          assert.equal(await client.login({ username: USER, accessToken: TOKEN, mechanism: 'xoauth2' }), 'xoauth2');
          assert.equal(client.state, 'transaction');
        },
      );
    });

    test(`Gmail XOAUTH2 refused: the error challenge is answered with an empty line (${describeChunking(chunking)})`, async () => {
      await replay(
        [
          { server: GREETING },
          { client: `AUTH XOAUTH2 ${xoauth2Response(USER, TOKEN)}\r\n` },
          { server: `+ ${CHALLENGE}\r\n` },
          { client: '\r\n' },
          { server: '-ERR [AUTH] Invalid credentials (Failure)\r\n' },
        ],
        chunking,
        async (client) => {
          const error = await client.login({ username: USER, accessToken: TOKEN, mechanism: 'xoauth2' }).then(
            () => assert.fail('logged in'),
            (caught: unknown) => caught,
          );
          assert.ok(isPop3Error(error) && error.code === 'AUTH_FAILED');
          assert.deepEqual(error.oauth, { status: '400', scope: 'https://mail.google.com/', schemes: 'Bearer' });
          assert.equal(client.state, 'authorization');
        },
      );
    });

    test(`Microsoft XOAUTH2, two lines (${describeChunking(chunking)})`, async () => {
      await replay(
        [
          { server: '+OK The Microsoft Exchange POP3 service is ready. [UwBDADEAUABSADgAMABDAEEAMAAxADAANQA=]\r\n' },
          { client: 'AUTH XOAUTH2\r\n' },
          { server: '+ \r\n' },
          { client: `${xoauth2Response(USER, TOKEN)}\r\n` },
          { server: '+OK User successfully authenticated.\r\n' },
        ],
        chunking,
        async (client) => {
          assert.equal(await client.login({ username: USER, accessToken: TOKEN, mechanism: 'xoauth2', saslInitialResponse: false }), 'xoauth2');
        },
      );
    });

    test(`OAUTHBEARER refused: the error challenge is answered with AQ== (${describeChunking(chunking)})`, async () => {
      const challenge = Buffer.from('{"status":"invalid_token","scope":"mail","openid-configuration":"https://idp.test/.well-known/openid-configuration"}').toString('base64');
      await replay(
        [
          { server: '+OK Dovecot ready.\r\n' },
          { client: `AUTH OAUTHBEARER ${oauthBearerResponse(USER, TOKEN, { host: 'pop.example.test', port: 995 })}\r\n` },
          { server: `+ ${challenge}\r\n` },
          { client: 'AQ==\r\n' },
          { server: '-ERR [AUTH] Authentication failed.\r\n' },
        ],
        chunking,
        async (client) => {
          const error = await client
            .login({ username: USER, accessToken: TOKEN, mechanism: 'oauthbearer', server: { host: 'pop.example.test', port: 995 } })
            .then(
              () => assert.fail('logged in'),
              (caught: unknown) => caught,
            );
          assert.ok(isPop3Error(error) && error.code === 'AUTH_FAILED');
          assert.equal(error.oauth?.status, 'invalid_token');
          assert.equal(error.oauth?.scope, 'mail');
        },
      );
    });
  }

  test('a server that hangs up after the error challenge was answered: still AUTH_FAILED with the reason', async () => {
    await replay(
      [
        { server: GREETING },
        { client: `AUTH XOAUTH2 ${xoauth2Response(USER, TOKEN)}\r\n` },
        { server: `+ ${CHALLENGE}\r\n` },
        { client: '\r\n' },
        { close: true },
      ],
      { kind: 'whole' },
      async (client) => {
        const error = await client.login({ username: USER, accessToken: TOKEN, mechanism: 'xoauth2' }).then(
          () => assert.fail('logged in'),
          (caught: unknown) => caught,
        );
        assert.ok(isPop3Error(error) && error.code === 'AUTH_FAILED', String(error));
        assert.equal(error.oauth?.status, '400');
        assert.ok(client.closed);
      },
    );
  });
});
