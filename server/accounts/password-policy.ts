// Which passwords may be set (issue 14 item 12). Length alone lets "          " and "1234567890" through;
// zxcvbn estimates how many guesses a cracker needs, from common-password lists, dictionaries, keyboard
// walks, sequences and repetitions, and what the user gave us (the username) — score 3 is ~10^8 guesses.
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEn from '@zxcvbn-ts/language-en';
import { bilingual } from '../i18n/messages.js';
import type { FieldError } from '../http/errors.js';
import './messages.js';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;
/** zxcvbn's scale 0–4; 3 is "safely unguessable: moderate protection from offline slow-hash scenario". */
const MIN_SCORE = 3;
/** Public in the contract and the README: never a real account's password. */
const DEMO_PASSWORDS = ['parcelguard-demo'];

export type PasswordWeakness = 'UNCHANGED' | 'TOO_SHORT' | 'TOO_LONG' | 'DEMO_PASSWORD' | 'CONTAINS_USERNAME' | 'COMMON' | 'SEQUENCE' | 'REPETITION' | 'KEYBOARD' | 'GUESSABLE';

let zxcvbn: ZxcvbnFactory | undefined;
function estimator(): ZxcvbnFactory {
  zxcvbn ??= new ZxcvbnFactory({
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEn.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEn.translations,
  });
  return zxcvbn;
}

const fold = (s: string) => s.normalize('NFKC').toLowerCase();

/** Why a password is refused, or null when it may be used. Pure: no I/O. */
export type PasswordContext = {
  username: string;
  /** The configured demo password, refused like the default one. */
  demoPassword?: string;
  /** The password being replaced, when the user changes their own. */
  current?: string;
};

export function passwordWeakness(password: string, context: PasswordContext): PasswordWeakness | null {
  if (password.length > PASSWORD_MAX_LENGTH) return 'TOO_LONG';
  if (context.current !== undefined && password === context.current) return 'UNCHANGED';
  if (password.replace(/\s/gu, '').length < PASSWORD_MIN_LENGTH) return 'TOO_SHORT';
  const folded = fold(password).trim();
  const demo = [...DEMO_PASSWORDS, ...(context.demoPassword ? [context.demoPassword] : [])].map(fold);
  if (demo.includes(folded)) return 'DEMO_PASSWORD';
  const username = fold(context.username).trim();
  if (username.length >= 3 && (folded.includes(username) || folded.includes([...username].reverse().join('')))) {
    return 'CONTAINS_USERNAME';
  }
  const result = estimator().check(password, [username, 'parcelguard', ...demo]);
  if (result.score >= MIN_SCORE) return null;
  // Name the pattern that covers most of the password: that is what makes it guessable.
  const main = [...result.sequence]
    .filter((m) => m.pattern !== 'bruteforce')
    .sort((a, b) => b.token.length - a.token.length)[0];
  switch (main?.pattern) {
    case 'dictionary':
      return 'COMMON';
    case 'sequence':
      return 'SEQUENCE';
    case 'repeat':
      return 'REPETITION';
    case 'spatial':
      return 'KEYBOARD';
    default:
      return 'GUESSABLE';
  }
}

/** The field error for a refused password (code PASSWORD_WEAK, the reason, both languages), or null. */
export function checkPassword(password: string, context: PasswordContext & { path?: string }): FieldError | null {
  const reason = passwordWeakness(password, context);
  if (!reason) return null;
  return {
    path: context.path ?? 'password',
    code: 'PASSWORD_WEAK',
    reason,
    ...bilingual(`PASSWORD_WEAK_${reason}`, { min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH }),
  };
}
