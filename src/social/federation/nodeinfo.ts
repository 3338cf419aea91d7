/**
 * NodeInfo 2.1 (`/.well-known/nodeinfo` → `/nodeinfo/2.1`): what software this server runs and
 * how many people use it, read by instance directories and by other servers deciding how to talk
 * to us.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Federation } from '@fedify/fedify';
import type { InstanceInfo } from './ports.ts';

export const NODEINFO_PATH = '/nodeinfo/2.1';

/** Tra's version, from its package.json. */
export function traVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function registerNodeInfo(federation: Federation<void>, info: InstanceInfo, version: string, nodeName: string): void {
  federation.setNodeInfoDispatcher(NODEINFO_PATH, async () => {
    const usage = await info.usage();
    return {
      software: { name: 'tra', version },
      protocols: ['activitypub'],
      openRegistrations: await info.openRegistrations(),
      usage: {
        users: { total: usage.users.total, activeMonth: usage.users.activeMonth, activeHalfyear: usage.users.activeHalfyear },
        localPosts: usage.localPosts,
        localComments: 0,
      },
      metadata: { nodeName },
    };
  });
}
