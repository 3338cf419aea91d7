/**
 * The `tra` command: parses the command line and dispatches to one module per subcommand in
 * `src/cli/commands/`. Commands are thin: they parse options, call the library and print.
 */
import { Command, CommanderError } from 'commander';
import { UserError } from './errors.ts';
import { isDiskFull, diskFullCode } from '../store/disk-full.ts';
import { loadCommands } from './commands/index.ts';

/**
 * A TEXT or QUERY that starts with "-" but is no option of the command is text, not an error
 * (`tra search "-USD vàng"`, `tra restore "- Rua tay"`): such arguments are moved behind `--`,
 * which ends the options (and may also be typed by the user). Values of options that take one
 * (`--limit 5`, `--from=…`) are left where they are; an unknown `--word` stays an option, so
 * commander reports the likely typo.
 */
export function textArguments(program: Command, argv: string[]): string[] {
  // The command named by the leading words (`alerts add` is the `add` of `alerts`).
  let cmd: Command = program;
  let at = 0;
  for (; at < argv.length; at++) {
    const sub = cmd.commands.find((c) => c.name() === argv[at] || c.aliases().includes(argv[at]));
    if (!sub) break;
    cmd = sub;
  }
  if (at === 0 || cmd.commands.length > 0) return argv;
  const options = [...cmd.options, ...program.options];
  const find = (flag: string) => options.find((o) => o.long === flag || o.short === flag);
  const opts: string[] = [];
  const text: string[] = [];
  let moved = false;
  for (let i = at; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      text.push(...argv.slice(i + 1));
      moved = true;
      break;
    }
    if (a === '-h' || a === '--help') {
      opts.push(a);
      continue;
    }
    if (a.length > 1 && a.startsWith('-')) {
      const o = find(a.includes('=') ? a.slice(0, a.indexOf('=')) : a);
      if (o) {
        opts.push(a);
        if ((o.required || o.optional) && !a.includes('=') && i + 1 < argv.length && (o.required || !argv[i + 1].startsWith('-'))) opts.push(argv[++i]);
        continue;
      }
      // An unknown `--word` is more likely a mistyped option than text: commander says so.
      if (/^--[a-z]/i.test(a)) {
        opts.push(a);
        continue;
      }
      moved = true;
    }
    text.push(a);
  }
  if (!moved) return argv;
  return [...argv.slice(0, at), ...opts, '--', ...text];
}

/**
 * commander's usage errors, said in Vietnamese on one line. commander words them in English and
 * hands them to `outputError` as text, so each known wording is matched here; anything else keeps
 * commander's words, without its "error: " prefix.
 */
export function usageMessage(english: string): string {
  const text = english.trim().replace(/^error: /, '');
  const [first, ...rest] = text.split('\n');
  const similar = /^\(Did you mean (?:one of )?(.+)\?\)$/.exec(rest.join(' ').trim())?.[1];
  const hint = similar ? ` (có phải ý bạn là ${similar.split(', ').join(' hay ')}?)` : '';
  let m: RegExpExecArray | null;
  if ((m = /^required option '(.+)' not specified$/.exec(first))) return `thiếu tuỳ chọn bắt buộc ${m[1]}`;
  if ((m = /^missing required argument '(.+)'$/.exec(first))) return `thiếu đối số bắt buộc <${m[1]}>`;
  if ((m = /^option '(.+)' argument missing$/.exec(first))) return `tuỳ chọn ${m[1]} cần một giá trị`;
  if ((m = /^unknown option '(.+)'$/.exec(first))) return `không có tuỳ chọn ${m[1]}${hint}`;
  if ((m = /^unknown command '(.+)'$/.exec(first))) return `không có lệnh "${m[1]}"${hint}`;
  if ((m = /^too many arguments(?: for '(.+)')?\. Expected (\d+) arguments? but got (\d+): (.*)\.$/.exec(first))) {
    return `thừa đối số${m[1] ? ` cho lệnh ${m[1]}` : ''}: lệnh nhận ${m[2]} đối số, nhưng được ${m[3]} (${m[4]}); văn bản có dấu cách hãy đặt trong ngoặc kép`;
  }
  if ((m = /^(?:option|environment variable) '(.+)' cannot be used with (?:option|environment variable) '(.+)'$/.exec(first))) return `không dùng được ${m[1]} cùng với ${m[2]}`;
  if ((m = /^option '(.+)' argument '(.*)' is invalid\.(?: (.*))?$/.exec(first))) return `giá trị "${m[2]}" của tuỳ chọn ${m[1]} không hợp lệ${m[3] ? `: ${m[3]}` : ''}`;
  if ((m = /^command-argument value '(.*)' is invalid for argument '(.+)'\.(?: (.*))?$/.exec(first))) return `giá trị "${m[1]}" của đối số <${m[2]}> không hợp lệ${m[3] ? `: ${m[3]}` : ''}`;
  return text.replace(/\s*\n\s*/g, ' ');
}

/** The subcommand named by the leading words of the arguments (`alerts add`), for pointing at its help. */
function commandPath(program: Command, argv: string[]): string {
  const names: string[] = [];
  let cmd = program;
  for (const a of argv) {
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    names.push(sub.name());
    cmd = sub;
  }
  return ['tra', ...names].join(' ');
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('tra')
    .description('Tra — máy tìm kiếm và đài quan sát tin tức tiếng Việt (Vietnamese search engine and news observatory)')
    .version('0.1.0', '-V, --version', 'in phiên bản')
    .helpOption('-h, --help', 'hiện trợ giúp')
    .helpCommand('help [command]', 'hiện trợ giúp cho một lệnh')
    .exitOverride();
  // A usage error is kept, not printed: main says it as one Vietnamese line (usageMessage) that
  // points at the command's help. Subcommands inherit this when they are registered below.
  let usage: string | undefined;
  program.configureOutput({
    writeErr: (s) => process.stderr.write(s),
    outputError: (s) => {
      usage = s;
    },
  });
  for (const mod of await loadCommands(argv)) mod.register(program);
  try {
    await program.parseAsync(textArguments(program, argv), { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version were printed by commander; a usage error is said here, on one line.
      if (usage !== undefined) {
        const cmd = commandPath(program, argv);
        process.stderr.write(`tra: ${usageMessage(usage)} — xem "${cmd} --help"\n`);
      }
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UserError) {
      process.stderr.write(`tra: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as NodeJS.ErrnoException;
    // A full disk in any command (index, crawl, import): one line; what was committed stays, and
    // the next run completes it (stores, index and WARC files recover on open).
    if (isDiskFull(e)) {
      process.stderr.write(`tra: hết chỗ trên đĩa (disk full: ${diskFullCode(e)}); những gì đã ghi xong vẫn được giữ — hãy giải phóng chỗ rồi chạy lại lệnh\n`);
      return 1;
    }
    if (e && (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR')) {
      process.stderr.write(`tra: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`tra: lỗi nội bộ (internal error): ${e?.stack ?? String(err)}\n`);
    return 70;
  }
}
