/**
 * The list of subcommands. Each module exports `register(program)`, which adds one command with
 * its options and help. Add a command by adding its module here.
 */
import type { Command } from 'commander';
import { register as analyze } from './analyze.ts';
import { register as decode } from './decode.ts';
import { register as indexDocs } from './index-docs.ts';
import { register as search } from './search.ts';
import { register as stats } from './stats.ts';
import { register as reindex } from './reindex.ts';
import { register as trends } from './trends.ts';
import { register as restore } from './restore.ts';
import { register as emerging } from './emerging.ts';
import { register as attention } from './attention.ts';
import { register as forecast } from './forecast.ts';
import { register as clusters } from './clusters.ts';
import { register as alerts } from './alerts.ts';
import { register as crawl } from './crawl.ts';
import { register as sources } from './sources.ts';
import { register as versions } from './versions.ts';
import { register as importWarc } from './import-warc.ts';
import { register as exportCmd } from './export.ts';
import { register as serve } from './serve.ts';
import { register as start } from './start.ts';

export const commands: Array<(program: Command) => void> = [analyze, decode, indexDocs, search, stats, reindex, trends, restore, emerging, attention, forecast, clusters, alerts, crawl, sources, versions, importWarc, exportCmd, serve, start];
