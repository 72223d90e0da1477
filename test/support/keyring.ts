import { Keyring } from '../../src/core/keyring.ts';

/** A fixed signing key for tests (what config `signing.key` would resolve to). */
export const TEST_SIGNING_KEY = 'test-signing-key-0123456789abcdefghijklmnop';
export const testKeyring = new Keyring(TEST_SIGNING_KEY);
