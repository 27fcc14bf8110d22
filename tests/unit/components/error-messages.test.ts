import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiErrorCode } from '../../../components/api-client';
import { retryCanHelp } from '../../../components/error-messages';

describe('whether a Retry is offered', () => {
  test('not for an error that the same request meets again: a message gone or marked for deletion, too large, too complex', () => {
    const never: ApiErrorCode[] = ['MESSAGE_NOT_FOUND', 'ATTACHMENT_NOT_FOUND', 'MESSAGE_TOO_LARGE', 'MESSAGE_TOO_COMPLEX', 'INVALID_INPUT', 'NO_SESSION', 'PAYLOAD_TOO_LARGE'];
    for (const code of never) assert.equal(retryCanHelp(code), false, code);
  });

  test('for a server or network that may answer next time', () => {
    const transient: ApiErrorCode[] = ['TIMEOUT', 'MAILBOX_IN_USE', 'SERVER_ERROR', 'SERVICE_BUSY', 'STORE_UNAVAILABLE', 'NETWORK_ERROR', 'CONNECT_FAILED', 'INTERNAL_ERROR'];
    for (const code of transient) assert.equal(retryCanHelp(code), true, code);
  });
});
