import assert from 'node:assert/strict';
import { bilingual, catalogueEntries, defineMessages, render } from '../server/i18n/messages.js';
import { createApp } from '../server/app.js';

describe('message catalogue', () => {
  it('renders a code with its parameters in both languages', () => {
    defineMessages({ TEST_GREETING: { en: 'Try again at {time}.', zh: '请于{time}后重试。' } });
    assert.deepEqual(bilingual('TEST_GREETING', { time: '10:00' }), { message: 'Try again at 10:00.', messageZh: '请于10:00后重试。' });
    assert.equal(render('TEST_GREETING', {}, 'zh'), '请于{time}后重试。');
  });

  it('refuses one code with two texts', () => {
    assert.throws(() => defineMessages({ TEST_GREETING: { en: 'Other', zh: '其他' } }), /defined twice/);
  });

  it('has both languages for every code the server defines', () => {
    // Importing the app loads every capability, and with it every catalogue entry.
    assert.ok(createApp);
    for (const [code, t] of catalogueEntries()) {
      assert.ok(t.en.trim() && t.zh.trim(), `${code} needs en and zh`);
      assert.match(code, /^[A-Z][A-Z0-9_]*$/, `${code} is UPPER_SNAKE`);
    }
  });
});
