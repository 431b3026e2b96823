import { parseArgs } from 'node:util';
import { HoldpointApiError, HoldpointClient, HoldpointConnectionError, HoldpointWaitTimeoutError } from '../client';
import { usageOf, type Command, type Context, type Io, type OptionDef, type Values } from './command';
import { approvalCommands } from './commands/approvals';
import { auditCommands } from './commands/audit';
import { definitionCommands } from './commands/definitions';
import { runCommands } from './commands/runs';
import { webhookCommands } from './commands/webhooks';
import { configPath, DEFAULT_URL, resolveSettings } from './config';
import { CliFailure, Exit, EXIT_CODES_HELP, UsageError, type ExitCode } from './exit';
import { parseDuration } from './format';
import { Progress } from './progress';

const COMMANDS: Command[] = [...runCommands, ...approvalCommands, ...webhookCommands, ...auditCommands, ...definitionCommands];
const GROUPS = [...new Set(COMMANDS.map((c) => c.group))];

/** Options every command takes. */
const GLOBAL: Record<string, OptionDef> = {
  url: { type: 'string', value: 'URL', help: `the gateway (default: HOLDPOINT_URL, the config file, ${DEFAULT_URL})` },
  'api-key': { type: 'string', value: 'KEY', help: 'your API key (default: HOLDPOINT_API_KEY, the config file)' },
  json: { type: 'boolean', help: 'machine-readable output on stdout (errors as JSON on stderr)' },
  'request-timeout': { type: 'string', value: 'DUR', help: 'longest a single request may take (default 30s)' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
};

// A command option named like a global one would silently take its place (`--url` is the gateway's).
for (const c of COMMANDS) {
  const clash = Object.keys(c.options).find((name) => name in GLOBAL);
  if (clash) throw new Error(`holdpoint ${c.group} ${c.name}: option --${clash} clashes with the global option`);
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => `${c.group} ${c.name} ${c.args}`.length));
  const lines = ['usage: holdpoint <command> [arguments] [options]', '', 'The command line of holdpoint, the human-in-the-loop workflow engine.', '', 'Commands:'];
  for (const group of GROUPS) {
    for (const c of COMMANDS.filter((x) => x.group === group)) lines.push(`  ${`${c.group} ${c.name} ${c.args}`.trimEnd().padEnd(width)}  ${c.summary.split('\n')[0]}`);
  }
  lines.push('', 'Options of every command:');
  const left = Object.entries(GLOBAL).map(([n, o]) => `  ${o.short ? `-${o.short}, ` : ''}--${n}${o.value ? ` ${o.value}` : ''}`);
  const w = Math.max(...left.map((l) => l.length));
  Object.values(GLOBAL).forEach((o, i) => lines.push(`${left[i]!.padEnd(w)}  ${o.help}`));
  lines.push(
    '',
    'Settings: flags override the environment (HOLDPOINT_URL, HOLDPOINT_API_KEY), which overrides the',
    `config file ${'~/.config/holdpoint/config.json'} (or HOLDPOINT_CONFIG): {"url": "...", "api_key": "..."}.`,
    '',
    EXIT_CODES_HELP,
    '',
    "Run 'holdpoint <command> --help' for a command's options.",
  );
  return lines.join('\n');
}

function groupHelp(group: string): string {
  const cmds = COMMANDS.filter((c) => c.group === group);
  const width = Math.max(...cmds.map((c) => `${c.name} ${c.args}`.length));
  return [`usage: holdpoint ${group} <${cmds.map((c) => c.name).join('|')}> ...`, '', ...cmds.map((c) => `  ${`${c.name} ${c.args}`.trimEnd().padEnd(width)}  ${c.summary.split('\n')[0]}`)].join('\n');
}

/**
 * The command words (`runs start`) and the arguments left for the command. Global options may come
 * before the words (`holdpoint --url X runs list`); the command's own come after them.
 */
function locate(argv: string[]): { words: string[]; rest: string[] } {
  const words: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (words.length === 2 || token === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (token.startsWith('-')) {
      rest.push(token);
      const takesValue = !token.includes('=') && GLOBAL[token.replace(/^--?/, '')]?.type === 'string';
      if (takesValue && i + 1 < argv.length) rest.push(argv[++i]!);
      continue;
    }
    words.push(token);
  }
  return { words, rest };
}

/** Runs one command line; answers the exit code (it never exits the process itself). */
export async function runCli(argv: string[], io: Io): Promise<ExitCode> {
  const json = argv.includes('--json');
  const write = (stream: NodeJS.WritableStream, text: string) => stream.write(text.endsWith('\n') ? text : `${text}\n`);
  try {
    const { words, rest } = locate(argv);
    const help = rest.includes('--help') || rest.includes('-h');
    const [group, name] = words;
    if (!group || group === 'help') {
      if (!help && group !== 'help') throw new UsageError('no command given', mainHelp());
      write(io.stdout, mainHelp());
      return Exit.Ok;
    }
    if (!GROUPS.includes(group)) throw new UsageError(`unknown command "${group}"`, mainHelp());
    if (!name) {
      if (!help) throw new UsageError(`${group}: which command?`, groupHelp(group));
      write(io.stdout, groupHelp(group));
      return Exit.Ok;
    }
    const command = COMMANDS.find((c) => c.group === group && c.name === name);
    if (!command) throw new UsageError(`unknown command "${group} ${name}"`, groupHelp(group));
    let values: Values;
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({ args: rest, options: { ...GLOBAL, ...command.options } as never, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] });
    } catch (err) {
      throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''), usageOf(command));
    }
    if (values.help) {
      write(io.stdout, usageOf(command));
      return Exit.Ok;
    }
    const { min, max } = command.positionals;
    if (positionals.length < min) throw new UsageError(`missing ${command.args}`, usageOf(command));
    if (positionals.length > max) throw new UsageError(`unexpected argument "${positionals[max]}"`, usageOf(command));
    return await command.run(context(io, values), values, positionals);
  } catch (err) {
    return report(err, io, json, write);
  }
}

function context(io: Io, values: Values): Context {
  let client: HoldpointClient | undefined;
  const json = values.json === true;
  const write = (stream: NodeJS.WritableStream, text: string) => stream.write(text.endsWith('\n') ? text : `${text}\n`);
  return {
    io,
    json,
    client: () => {
      if (client) return client;
      const settings = resolveSettings({ url: values.url as string | undefined, apiKey: values['api-key'] as string | undefined }, io.env);
      const timeoutText = values['request-timeout'] as string | undefined;
      const timeout = timeoutText === undefined ? undefined : parseDuration(timeoutText);
      if (timeoutText !== undefined && timeout === undefined) throw new UsageError(`--request-timeout must be a duration like 30s, got "${timeoutText}"`);
      client = new HoldpointClient({ baseUrl: settings.url, apiKey: settings.apiKey, timeout, headers: { 'user-agent': 'holdpoint-cli' } });
      return client;
    },
    out: (text) => write(io.stdout, text),
    err: (text) => write(io.stderr, text),
    print: (value, human) => write(io.stdout, json ? JSON.stringify(value, null, 2) : human()),
    progress: () => new Progress(io.stderr),
  };
}

/** Every failure becomes one message on stderr and its documented exit code. */
function report(err: unknown, io: Io, json: boolean, write: (s: NodeJS.WritableStream, t: string) => void): ExitCode {
  const say = (code: ExitCode, text: string, body: Record<string, unknown>) => {
    write(io.stderr, json ? JSON.stringify({ error: body }) : `holdpoint: ${text}`);
    return code;
  };
  if (err instanceof UsageError) {
    if (!json && err.usage) write(io.stderr, `holdpoint: ${err.message}\n\n${err.usage}`);
    else say(Exit.Usage, err.message, { type: 'usage', message: err.message });
    return Exit.Usage;
  }
  if (err instanceof CliFailure) return err.reported ? err.code : say(err.code, err.message, { type: 'failed', message: err.message });
  if (err instanceof HoldpointApiError) {
    const code = err.status >= 500 ? Exit.Unreachable : Exit.Refused;
    const what = err.status >= 500 ? 'the gateway failed' : 'refused';
    return say(code, `${what} (${err.status} ${err.type}): ${err.message}${err.field && !err.message.startsWith(err.field) ? ` [field ${err.field}]` : ''}`, {
      status: err.status,
      type: err.type,
      message: err.message,
      ...(err.field ? { field: err.field } : {}),
      details: err.details,
    });
  }
  if (err instanceof HoldpointConnectionError) {
    return say(Exit.Unreachable, `${err.message}${err.reason === 'unreachable' ? ` (is the gateway running? set --url, HOLDPOINT_URL or ${configPath(io.env)})` : ''}`, { type: err.reason, message: err.message });
  }
  if (err instanceof HoldpointWaitTimeoutError) return say(Exit.TimedOut, err.message, { type: 'timeout', message: err.message, run: err.run });
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return say(Exit.Refused, `unexpected error: ${message}`, { type: 'internal', message: String(err) });
}
