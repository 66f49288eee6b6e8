// Operator CLI: `npm run user -- add --username u --role courier --outlet GZ-TH-001` (password on stdin),
// `npm run user -- list`, `npm run user -- disable --username u`, `npm run user -- passwd --username u`.
// Changes go through the same service as the admin API: the same password rules, and a disabled account or a
// new password ends the user's sessions at once, in running servers too (NOTIFY, with DATABASE_URL).
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../config.js';
import { DataDirInUseError, openDatabase, type Database } from '../db/database.js';
import { ApiError } from '../http/errors.js';
import { fieldErrorsFromZod } from '../http/problem.js';
import { changeAccount, type AccountDeps, type AccountPatch } from './account-changes.js';
import { assertPasswordAcceptable, checkScope, createUser, listUsers, newUserSchema, usernameSchema } from './users.js';

/** Exit codes: 0 done, 1 failed (unknown user, refused password), 2 bad usage, 3 database held by the server. */
const EXIT_DATABASE_IN_USE = 3;

const USAGE = `Usage:
  npm run user -- add --username NAME --role courier|outlet_supervisor|postal_regulator|customs_officer|admin
                      [--outlet OUTLET_ID] [--jurisdiction 44|4401]     (password read from stdin)
                      (courier and outlet_supervisor need --outlet; regulators and customs --jurisdiction)
  npm run user -- list
  npm run user -- passwd --username NAME [--must-change]                (new password read from stdin)
  npm run user -- must-change --username NAME      (the user must choose a new password at next login)
  npm run user -- disable --username NAME | enable --username NAME
Disabling or setting a password ends the user's sessions at once. With the embedded database (no DATABASE_URL),
stop the server first, or use the admin API (PATCH /api/users/NAME). Exit codes: 0 done, 1 refused, 2 usage,
3 the embedded database is held by the running server.`;

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  process.stdout.write('Password: ');
  // Do not echo what is typed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stdout.write('\n');
  return answer;
}

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      username: { type: 'string' },
      role: { type: 'string' },
      outlet: { type: 'string' },
      jurisdiction: { type: 'string' },
      'must-change': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  // A new password is judged before the database is opened: a weak one costs no wait and holds no lock.
  let newPassword: string | undefined;
  if (command === 'passwd') {
    const name = usernameSchema.safeParse(values.username ?? '');
    if (!name.success) {
      console.error(`username: give --username NAME (letters, digits, dot, dash and underscore)`);
      return 2;
    }
    newPassword = await readPassword();
    assertPasswordAcceptable(newPassword, name.data, config.demoPassword);
  }
  let database: Database;
  try {
    database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  } catch (err) {
    if (!(err instanceof DataDirInUseError)) throw err;
    console.error(
      `${err.message.split('. ')[0]}: stop the server first, or make this change as an admin over the API (PATCH /api/users/NAME).`,
    );
    return EXIT_DATABASE_IN_USE;
  }
  const { db } = database;
  const deps: AccountDeps = {
    db,
    dbKind: database.kind,
    hashCost: config.passwordHashCost,
    demoPassword: config.demoPassword,
    loginThrottle: config.loginThrottle,
  };
  try {
    switch (command) {
      case 'add': {
        const args = { username: values.username, role: values.role, outletId: values.outlet, jurisdiction: values.jurisdiction };
        // Check the arguments before asking for a password, so a typo does not cost a prompt.
        const argsOk = newUserSchema.omit({ password: true }).safeParse(args);
        const scopeErrors = argsOk.success ? await checkScope(db, argsOk.data) : [];
        for (const e of scopeErrors) console.error(`${e.path}: ${e.message} (${e.code})`);
        if (scopeErrors.length) return 2;
        const input = argsOk.success ? { ...args, password: await readPassword() } : { ...args, password: 'x'.repeat(10) };
        const parsed = newUserSchema.safeParse(input);
        if (!parsed.success || !argsOk.success) {
          for (const e of fieldErrorsFromZod((argsOk.error ?? parsed.error)!, input)) console.error(`${e.path}: ${e.message} (${e.code})`);
          return 2;
        }
        const user = await createUser(db, parsed.data, config.passwordHashCost, { demoPassword: config.demoPassword });
        console.log(`created ${user.username} (${user.role}${user.outletId ? `, outlet ${user.outletId}` : ''}${user.jurisdiction ? `, jurisdiction ${user.jurisdiction}` : ''})`);
        return 0;
      }
      case 'list': {
        for (const u of await listUsers(db)) {
          console.log([u.username, u.role, u.outletId ?? u.jurisdiction ?? '*', u.disabled ? 'disabled' : 'active'].join('\t'));
        }
        return 0;
      }
      case 'passwd':
      case 'must-change':
      case 'disable':
      case 'enable': {
        const name = usernameSchema.safeParse(values.username ?? '');
        if (!name.success) {
          console.error(`username: give --username NAME (letters, digits, dot, dash and underscore)`);
          return 2;
        }
        const patch: AccountPatch =
          command === 'passwd'
            ? { password: newPassword!, ...(values['must-change'] ? { mustChangePassword: true } : {}) }
            : command === 'must-change'
              ? { mustChangePassword: true }
              : { disabled: command === 'disable' };
        const { sessionsEnded } = await changeAccount(deps, name.data, patch);
        console.log(`${command}: ${name.data}${sessionsEnded ? ` (${sessionsEnded} session${sessionsEnded === 1 ? '' : 's'} ended)` : ''}`);
        return 0;
      }
      default:
        console.error(`unknown command ${command}\n${USAGE}`);
        return 2;
    }
  } finally {
    await database.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ApiError && err.errors) for (const e of err.errors) console.error(`${e.path}: ${e.message} (${e.code})`);
    else if (err instanceof ApiError) console.error(`${err.message} (${err.code})`);
    else if (err instanceof ConfigError || err instanceof z.ZodError) console.error(err.message);
    else console.error((err as Error).message ?? err);
    process.exit(1);
  },
);
