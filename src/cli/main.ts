/**
 * The `tra` command: parses the command line and dispatches to one module per subcommand in
 * `src/cli/commands/`. Commands are thin: they parse options, call the library and print.
 */
import { Command, CommanderError } from 'commander';
import { UserError } from './errors.ts';
import { loadCommands } from './commands/index.ts';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('tra')
    .description('Tra — máy tìm kiếm và đài quan sát tin tức tiếng Việt (Vietnamese search engine and news observatory)')
    .version('0.1.0', '-V, --version', 'in phiên bản')
    .helpOption('-h, --help', 'hiện trợ giúp')
    .helpCommand('help [command]', 'hiện trợ giúp cho một lệnh')
    .showHelpAfterError('(dùng "tra --help" để xem các lệnh và tuỳ chọn)')
    .exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const mod of await loadCommands(argv)) mod.register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (help, version, or a usage error).
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UserError) {
      process.stderr.write(`tra: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as NodeJS.ErrnoException;
    if (e && (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR')) {
      process.stderr.write(`tra: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`tra: lỗi nội bộ (internal error): ${e?.stack ?? String(err)}\n`);
    return 70;
  }
}
