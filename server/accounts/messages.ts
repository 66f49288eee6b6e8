// What the accounts capability says to people, in both languages (STYLE.md #12).
import { defineMessages } from '../i18n/messages.js';

export const ACCOUNT_MESSAGES = defineMessages({
  INVALID_CREDENTIALS: { en: 'Wrong username or password.', zh: '用户名或密码错误。' },
  SESSION_EXPIRED: { en: 'The session has expired or was ended. Log in again.', zh: '登录已过期或已结束，请重新登录。' },
  ACCOUNT_DISABLED: { en: 'This account is disabled.', zh: '该账号已停用。' },
  LOGIN_LOCKED: {
    en: 'Too many failed logins for this account. Try again at {until} (in {seconds} s).',
    zh: '该账号登录失败次数过多，已暂时锁定。请于{until}（{seconds}秒后）再试。',
  },
  LOGIN_ADDRESS_LIMITED: {
    en: 'Too many failed logins from this address. Try again in {seconds} s.',
    zh: '此地址登录失败次数过多。请于{seconds}秒后再试。',
  },
  PASSWORD_CHANGE_REQUIRED: {
    en: 'Choose a new password first: POST /api/session/password {currentPassword, newPassword}.',
    zh: '请先设置新密码：POST /api/session/password {currentPassword, newPassword}。',
  },
  PASSWORD_CURRENT_WRONG: {
    en: 'The current password is not right.',
    zh: '当前密码不正确。',
  },
  USER_NOT_FOUND: {
    en: 'There is no account {username}.',
    zh: '不存在账号 {username}。',
  },
  CANNOT_DISABLE_SELF: {
    en: 'You cannot disable your own account; another admin can.',
    zh: '不能停用自己的账号，请由其他管理员操作。',
  },
  // PASSWORD_WEAK, one sentence per reason.
  PASSWORD_WEAK_TOO_SHORT: {
    en: 'The password is too short: use at least {min} characters that are not spaces.',
    zh: '密码太短：至少需要{min}个非空格字符。',
  },
  PASSWORD_WEAK_TOO_LONG: {
    en: 'The password is too long: at most {max} characters.',
    zh: '密码太长：最多{max}个字符。',
  },
  PASSWORD_WEAK_COMMON: {
    en: 'The password is a common one, or close to one, that attackers try first.',
    zh: '该密码是常见密码（或与之相近），攻击者会最先尝试。',
  },
  PASSWORD_WEAK_CONTAINS_USERNAME: {
    en: 'The password contains the username.',
    zh: '密码中包含用户名。',
  },
  PASSWORD_WEAK_SEQUENCE: {
    en: 'The password is a sequence (like 1234567890 or abcdef) that is easy to guess.',
    zh: '密码是容易猜到的序列（如 1234567890 或 abcdef）。',
  },
  PASSWORD_WEAK_REPETITION: {
    en: 'The password repeats characters or a short pattern, which is easy to guess.',
    zh: '密码由重复的字符或短模式组成，容易被猜到。',
  },
  PASSWORD_WEAK_KEYBOARD: {
    en: 'The password is a run of neighbouring keys (like qwerty), which is easy to guess.',
    zh: '密码是键盘上相邻按键的组合（如 qwerty），容易被猜到。',
  },
  PASSWORD_WEAK_DEMO_PASSWORD: {
    en: 'The demo password is public; choose another.',
    zh: '演示密码是公开的，请另选密码。',
  },
  PASSWORD_WEAK_UNCHANGED: {
    en: 'The new password is the same as the current one.',
    zh: '新密码与当前密码相同。',
  },
  PASSWORD_WEAK_GUESSABLE: {
    en: 'The password is easy to guess: use a longer one, e.g. several unrelated words.',
    zh: '密码容易被猜到：请使用更长的密码，例如几个不相关的词。',
  },
});
