/**
 * The subcommands, by name. Each module exports `register(program)`, which adds one command with
 * its options and help. Modules are loaded on demand: `tra search` loads only search.ts (and what
 * it imports), so a command starts without paying for the web server, the crawler or the
 * observatory. `tra --help` and unknown names load them all. Add a command by adding one line here.
 */
import type { Command } from 'commander';

export type CommandModule = { register(program: Command): void };

export const commandModules: Record<string, () => Promise<CommandModule>> = {
  analyze: () => import('./analyze.ts'),
  decode: () => import('./decode.ts'),
  segment: () => import('./segment.ts'),
  index: () => import('./index-docs.ts'),
  search: () => import('./search.ts'),
  stats: () => import('./stats.ts'),
  reindex: () => import('./reindex.ts'),
  delete: () => import('./delete.ts'),
  trends: () => import('./trends.ts'),
  restore: () => import('./restore.ts'),
  emerging: () => import('./emerging.ts'),
  attention: () => import('./attention.ts'),
  forecast: () => import('./forecast.ts'),
  clusters: () => import('./clusters.ts'),
  alerts: () => import('./alerts.ts'),
  serve: () => import('./serve.ts'),
  start: () => import('./start.ts'),
  crawl: () => import('./crawl.ts'),
  sources: () => import('./sources.ts'),
  versions: () => import('./versions.ts'),
  'import-warc': () => import('./import-warc.ts'),
  export: () => import('./export.ts'),
  accounts: () => import('./accounts.ts'),
  migrate: () => import('./migrate.ts'),
  indexer: () => import('./indexer.ts'),
  searcher: () => import('./searcher.ts'),
  coordinator: () => import('./coordinator.ts'),
  fetcher: () => import('./fetcher.ts'),
  cluster: () => import('./cluster.ts'),
};

/** The modules needed for this command line: one when the command is named, all otherwise. */
export async function loadCommands(argv: string[]): Promise<CommandModule[]> {
  const name = argv.find((a) => !a.startsWith('-'));
  if (name !== undefined && Object.hasOwn(commandModules, name)) return [await commandModules[name]()];
  if (name === undefined && (argv.includes('-V') || argv.includes('--version'))) return [];
  return Promise.all(Object.values(commandModules).map((load) => load()));
}
