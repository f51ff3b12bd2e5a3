import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { startAmcord, type RunningAmcord } from '../../src/main.js';
import { LogCapture } from './log-capture.js';

export interface TestAmcord extends RunningAmcord {
  logs: LogCapture;
  preview: string[];
  dataDir: string;
}

/**
 * Starts amcord in-process on a free loopback port, configured by AMCORD_* variables exactly as a
 * user's environment would (and by a YAML file for what only a file can say), with logs captured.
 */
export async function startTestAmcord(env: Record<string, string> = {}, configYaml?: string): Promise<TestAmcord> {
  const dataDir = env.AMCORD_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'amcord-data-'));
  let path: string | undefined;
  if (configYaml !== undefined) {
    path = join(mkdtempSync(join(tmpdir(), 'amcord-config-')), 'amcord.yml');
    writeFileSync(path, configYaml);
  }
  const loaded = loadConfig({
    path,
    env: {
      AMCORD_SERVER_HOST: '127.0.0.1',
      AMCORD_SERVER_PORT: '0',
      AMCORD_LOG_LEVEL: 'debug',
      AMCORD_LOG_FORMAT: 'json',
      AMCORD_DATA_DIR: dataDir,
      ...env,
    },
  });
  const logs = new LogCapture();
  const preview: string[] = [];
  const amcord = await startAmcord(loaded, { logDestination: logs, previewOutput: (text) => preview.push(text) });
  const close = amcord.close.bind(amcord);
  return Object.assign(amcord, {
    logs,
    preview,
    dataDir,
    async close() {
      await close();
      if (!env.AMCORD_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
