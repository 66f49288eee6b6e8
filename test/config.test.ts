import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../server/config.js';

describe('configuration', () => {
  it('defaults give a zero-setup embedded database under ./data on port 3000', () => {
    const c = loadConfig({});
    assert.equal(c.port, 3000);
    assert.equal(c.databaseUrl, undefined);
    assert.match(c.dataDir!, /\/data$/);
    assert.equal(c.demoPassword, 'parcelguard-demo');
    assert.equal(c.cookieSecure, false);
  });

  const keys = { PII_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'), PII_BLIND_INDEX_KEY: Buffer.alloc(32, 2).toString('hex') };

  it('production makes cookies Secure unless told otherwise', () => {
    assert.equal(loadConfig({ NODE_ENV: 'production', ...keys }).cookieSecure, true);
    assert.equal(loadConfig({ NODE_ENV: 'production', COOKIE_SECURE: 'false', ...keys }).cookieSecure, false);
  });

  it('production refuses to start without the keys for personal data', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /PII_ENCRYPTION_KEY and PII_BLIND_INDEX_KEY are required in production/);
  });

  it('keys are 32 bytes, base64 or hex, and a bad one is named without echoing it', () => {
    const c = loadConfig(keys);
    assert.equal(c.piiEncryptionKey!.length, 32);
    assert.deepEqual(c.piiBlindIndexKey, Buffer.alloc(32, 2));
    assert.throws(() => loadConfig({ PII_ENCRYPTION_KEY: 'c2hvcnQ=' }), (err: ConfigError) => {
      const text = err.problems.join();
      return /PII_ENCRYPTION_KEY: must be 32 bytes/.test(text) && text.includes('a value that is not shown') && !text.includes('c2hvcnQ=');
    });
  });

  it('empty values count as unset', () => {
    assert.equal(loadConfig({ DATABASE_URL: '', PORT: '' }).port, 3000);
  });

  it('every bad value is named with what was wrong', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', DEMO_PASSWORD: 'short' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const text = err.problems.join('\n');
      assert.match(text, /PORT: must be a whole number \(got "eighty"\)/);
      assert.match(text, /DATABASE_URL: must be a postgres/);
      assert.match(text, /LOG_LEVEL/);
      assert.match(text, /DEMO_PASSWORD: must be at least 8/);
    }
  });
});
