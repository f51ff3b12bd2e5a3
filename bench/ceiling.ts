/**
 * The ceiling of ingest on this machine: a bare node:http server, in a process of its own as
 * amcord is, that reads the whole request body, JSON.parses it and answers 200 — no validation,
 * no storage. amcord's ingest is reported as a share of what this server does under the same
 * load generator, bodies and connections, measured in the same run.
 */
import { spawn } from 'node:child_process';
import { readProc, type ProcSample } from './amcord-process.js';
import { freePort } from '../test/support/processes.js';

export interface LoadTarget {
  url: string;
  pid: number;
  proc(): ProcSample;
}

export interface CeilingServer extends LoadTarget {
  stop(): Promise<void>;
}

const SERVER = `
import { createServer } from 'node:http';
const answer = '{"status":"accepted"}';
createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
      response.end(answer);
    } catch {
      response.writeHead(400).end();
    }
  });
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

export async function startCeilingServer(): Promise<CeilingServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER], { env: { PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ceiling server exited with code ${code} before it listened`)));
    child.stdout.once('data', () => resolve());
  });
  const pid = child.pid ?? -1;
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    proc: () => readProc(pid),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
