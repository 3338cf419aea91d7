/**
 * The list of subcommands. Each module exports `register(program)`, which adds one command with
 * its options and help. Add a command by adding its module here.
 */
import type { Command } from 'commander';
import { register as analyze } from './analyze.ts';
import { register as decode } from './decode.ts';

export const commands: Array<(program: Command) => void> = [analyze, decode];
