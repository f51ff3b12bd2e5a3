import { DISCORD_LIMITS, truncate } from '../../../discord/limits.js';
import type { DiscordEmbedField } from '../../../discord/types.js';
import { codeBlock, inlineCode } from '../../../discord/markup.js';
import { percentBar } from '../format.js';

/** One node's line in the /status dashboard. */
export interface NodeSummary {
  instance: string;
  nodename: string | undefined;
  cpuPercent: number | undefined;
  memoryPercent: number | undefined;
  fullestFilesystem?: { mountpoint: string; percent: number };
}

/** The highest of CPU, memory and disk use: the dashboard lists the busiest nodes first. */
export function worstUsage(node: NodeSummary): number {
  return Math.max(node.cpuPercent ?? 0, node.memoryPercent ?? 0, node.fullestFilesystem?.percent ?? 0);
}

export function nodeSummaryField(node: NodeSummary): DiscordEmbedField {
  const disk = node.fullestFilesystem;
  const rows = [
    `CPU  ${percentBar(node.cpuPercent)}`,
    `MEM  ${percentBar(node.memoryPercent)}`,
    `DISK ${percentBar(disk?.percent)}${disk ? ` ${truncate(disk.mountpoint, 40)}` : ''}`,
  ];
  const name = node.nodename && node.nodename !== node.instance ? `🖥️ ${node.nodename} · ${inlineCode(node.instance)}` : `🖥️ ${inlineCode(node.instance)}`;
  return {
    name: truncate(name, DISCORD_LIMITS.fieldName),
    value: codeBlock(rows, DISCORD_LIMITS.fieldValue),
  };
}
