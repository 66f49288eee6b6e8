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

  it('production makes cookies Secure unless told otherwise', () => {
    assert.equal(loadConfig({ NODE_ENV: 'production' }).cookieSecure, true);
    assert.equal(loadConfig({ NODE_ENV: 'production', COOKIE_SECURE: 'false' }).cookieSecure, false);
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
