/**
 * Runs the real Prometheus, Alertmanager and node_exporter binaries for tests, on loopback only,
 * each in its own temporary directory, and makes sure none outlives the test process.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify as toYaml } from 'yaml';
const LOOPBACK = '127.0.0.1';
const INSTALL_HINT = 'apt-get install prometheus prometheus-alertmanager prometheus-node-exporter';
const PACKAGE_OF_BINARY = {
    prometheus: 'prometheus',
    promtool: 'prometheus',
    'prometheus-alertmanager': 'prometheus-alertmanager',
    amtool: 'prometheus-alertmanager',
    'prometheus-node-exporter': 'prometheus-node-exporter',
};
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 10_000;
const START_ATTEMPTS = 3;
const LOG_TAIL_BYTES = 8_000;
/** A port that was free a moment ago; startup retries on a new one if another process takes it. */
export async function freePort() {
    const server = createServer();
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, LOOPBACK, resolve);
    });
    const { port } = server.address();
    await new Promise((resolve) => server.close(() => resolve()));
    return port;
}
/** The absolute path of a binary on PATH, or an Error saying which Debian package provides it. */
export function requireBinary(name) {
    const directories = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
    for (const directory of directories.filter((entry) => entry !== '')) {
        const candidate = join(directory, name);
        try {
            accessSync(candidate, constants.X_OK);
            return candidate;
        }
        catch {
            // not in this directory
        }
    }
    const packageName = PACKAGE_OF_BINARY[name];
    throw new Error(`${name} is not installed, and the tests need the real binary` +
        `${packageName ? ` (Debian package ${packageName})` : ''}. Install it with: ${INSTALL_HINT}`);
}
export async function startAlertmanager(options) {
    return startBinary({
        binary: 'prometheus-alertmanager',
        files: { 'alertmanager.yml': toConfigText(options.config) },
        readyPath: '/-/ready',
        args: (port, dir) => [
            `--config.file=${join(dir, 'alertmanager.yml')}`,
            `--storage.path=${join(dir, 'data')}`,
            `--web.listen-address=${LOOPBACK}:${port}`,
            // Empty disables clustering, which would otherwise listen on 0.0.0.0:9094.
            '--cluster.listen-address=',
            ...(options.extraArgs ?? []),
        ],
    });
}
export async function startPrometheus(options) {
    const rules = options.rules ?? {};
    for (const fileName of Object.keys(rules)) {
        if (fileName.includes('/') || fileName.startsWith('.')) {
            throw new Error(`Rule file name ${JSON.stringify(fileName)} must be a plain file name`);
        }
    }
    const config = typeof options.config === 'string' || options.config['rule_files'] !== undefined
        ? options.config
        : { ...options.config, rule_files: Object.keys(rules) };
    return startBinary({
        binary: 'prometheus',
        files: { ...rules, 'prometheus.yml': toConfigText(config) },
        readyPath: '/-/ready',
        args: (port, dir) => [
            `--config.file=${join(dir, 'prometheus.yml')}`,
            `--storage.tsdb.path=${join(dir, 'data')}`,
            `--web.listen-address=${LOOPBACK}:${port}`,
            ...(options.extraArgs ?? []),
        ],
    });
}
export async function startNodeExporter(options = {}) {
    return startBinary({
        binary: 'prometheus-node-exporter',
        files: {},
        readyPath: '/metrics',
        args: (port) => [
            `--web.listen-address=${LOOPBACK}:${port}`,
            // Debian enables the systemd collector; without D-Bus it logs an error on every scrape.
            '--no-collector.systemd',
            ...(options.extraArgs ?? []),
        ],
    });
}
/** Posts alerts straight to Alertmanager, as Prometheus would. */
export async function postAlerts(alertmanagerUrl, alerts) {
    const response = await fetch(`${alertmanagerUrl.replace(/\/+$/, '')}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
        signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
        throw new Error(`Alertmanager refused the alerts with HTTP ${response.status}: ${await response.text()}`);
    }
}
/**
 * Polls `check` until it returns true, for states no process announces (a target being scraped).
 * The timeout error includes the last error `check` threw, if any.
 */
export async function waitUntil(check, options) {
    const deadline = Date.now() + options.timeoutMs;
    let lastError;
    for (;;) {
        try {
            if (await check())
                return;
            lastError = undefined;
        }
        catch (error) {
            lastError = error;
        }
        if (Date.now() >= deadline) {
            const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
            throw new Error(`Timed out after ${options.timeoutMs} ms waiting for ${options.description}${reason}`);
        }
        await delay(options.intervalMs ?? 100);
    }
}
/** An HTTP server on loopback that records every request body and answers 200. */
export async function startWebhookRecorder() {
    const requests = [];
    const waiters = new Set();
    let status = 200;
    const settleWaiters = () => {
        for (const waiter of waiters) {
            let satisfied;
            try {
                satisfied = waiter.predicate(requests);
            }
            catch (error) {
                finishWaiter(waiter);
                waiter.reject(error instanceof Error ? error : new Error(String(error)));
                continue;
            }
            if (satisfied) {
                finishWaiter(waiter);
                waiter.resolve([...requests]);
            }
        }
    };
    const finishWaiter = (waiter) => {
        clearTimeout(waiter.timer);
        waiters.delete(waiter);
    };
    const server = createServer((request, response) => {
        const chunks = [];
        request.on('data', (chunk) => chunks.push(chunk));
        request.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            requests.push({
                receivedAt: new Date(),
                method: request.method ?? '',
                path: request.url ?? '',
                headers: request.headers,
                body: parseJsonOrText(text),
            });
            response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'failing on purpose');
            settleWaiters();
        });
    });
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, LOOPBACK, resolve);
    });
    const { port } = server.address();
    return {
        url: `http://${LOOPBACK}:${port}`,
        port,
        get requests() {
            return requests;
        },
        waitFor(predicate, timeoutMs = 20_000) {
            return new Promise((resolve, reject) => {
                if (predicate(requests)) {
                    resolve([...requests]);
                    return;
                }
                const waiter = {
                    predicate,
                    resolve,
                    reject,
                    timer: setTimeout(() => {
                        finishWaiter(waiter);
                        reject(new Error(`Webhook recorder: condition not met within ${timeoutMs} ms; ${summarise(requests)}`));
                    }, timeoutMs),
                };
                waiters.add(waiter);
            });
        },
        respondWith(newStatus) {
            status = newStatus;
        },
        async close() {
            for (const waiter of waiters) {
                finishWaiter(waiter);
                waiter.reject(new Error('Webhook recorder closed before the condition was met'));
            }
            // Senders keep connections alive; without this close() would wait for them to time out.
            server.closeAllConnections();
            await new Promise((resolve) => server.close(() => resolve()));
        },
    };
}
function summarise(requests) {
    if (requests.length === 0)
        return 'no request was received';
    const last = requests[requests.length - 1];
    const lastBody = JSON.stringify(last?.body) ?? '';
    return `${requests.length} request(s) received, the last: ${lastBody.slice(0, 500)}`;
}
function parseJsonOrText(text) {
    try {
        return JSON.parse(text);
    }
    catch {
        return text;
    }
}
const running = new Set();
let cleanupInstalled = false;
async function startBinary(options) {
    const binaryPath = requireBinary(options.binary);
    installExitCleanup();
    const dataDir = mkdtempSync(join(tmpdir(), `amcord-${options.binary}-`));
    try {
        for (const [name, content] of Object.entries(options.files))
            writeFileSync(join(dataDir, name), content);
        for (let attempt = 1;; attempt += 1) {
            const port = await freePort();
            try {
                return await launch(binaryPath, options, port, dataDir);
            }
            catch (error) {
                // freePort() cannot reserve the port; another test may have taken it in between.
                if (!(error instanceof PortTakenError) || attempt >= START_ATTEMPTS)
                    throw error;
            }
        }
    }
    catch (error) {
        rmSync(dataDir, { recursive: true, force: true });
        throw error;
    }
}
class PortTakenError extends Error {
}
async function launch(binaryPath, options, port, dataDir) {
    const args = options.args(port, dataDir);
    const child = spawn(binaryPath, args, { cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const tracked = { child, dataDir };
    running.add(tracked);
    let log = '';
    const appendLog = (chunk) => {
        log = (log + chunk.toString('utf8')).slice(-LOG_TAIL_BYTES);
    };
    child.stdout?.on('data', appendLog);
    child.stderr?.on('data', appendLog);
    const exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`));
        child.once('error', (error) => resolve(`could not be started: ${error.message}`));
    });
    const url = `http://${LOOPBACK}:${port}`;
    const commandLine = `${options.binary} ${args.join(' ')}`;
    const stop = async () => {
        await terminate(child, exited);
        running.delete(tracked);
        rmSync(dataDir, { recursive: true, force: true });
    };
    try {
        await waitForReady(url + options.readyPath, exited, READY_TIMEOUT_MS);
    }
    catch (error) {
        await terminate(child, exited);
        running.delete(tracked);
        const reason = error instanceof Error ? error.message : String(error);
        const message = `${options.binary} did not become ready: ${reason}\n` +
            `command: ${commandLine}\n--- output tail ---\n${log}`;
        if (/address already in use/.test(log))
            throw new PortTakenError(message, { cause: error });
        throw new Error(message, { cause: error });
    }
    return { url, port, dataDir, pid: child.pid ?? -1, logTail: () => log, stop };
}
/** Polls readiness (the binaries announce it no other way), stopping early if the process dies. */
async function waitForReady(readyUrl, exited, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let exitReason;
    void exited.then((reason) => {
        exitReason = reason;
    });
    let lastProblem = 'no answer yet';
    while (Date.now() < deadline) {
        if (exitReason !== undefined)
            throw new Error(`the process ${exitReason}`);
        try {
            const response = await fetch(readyUrl, { signal: AbortSignal.timeout(2_000) });
            await response.arrayBuffer();
            if (response.status === 200)
                return;
            lastProblem = `GET ${readyUrl} answered HTTP ${response.status}`;
        }
        catch (error) {
            lastProblem = `GET ${readyUrl} failed: ${error instanceof Error ? error.message : String(error)}`;
        }
        await Promise.race([delay(50), exited]);
    }
    if (exitReason !== undefined)
        throw new Error(`the process ${exitReason}`);
    throw new Error(`not ready within ${timeoutMs} ms (${lastProblem})`);
}
async function terminate(child, exited) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
        return;
    child.kill('SIGTERM');
    const timedOut = Symbol('timed out');
    const outcome = await Promise.race([exited, delay(STOP_GRACE_MS).then(() => timedOut)]);
    if (outcome === timedOut) {
        child.kill('SIGKILL');
        await exited;
    }
}
/** Kills what is still running when the test process ends, normally or by a signal. */
function installExitCleanup() {
    if (cleanupInstalled)
        return;
    cleanupInstalled = true;
    const killAll = () => {
        for (const { child, dataDir } of running) {
            if (child.exitCode === null && child.signalCode === null)
                child.kill('SIGKILL');
            rmSync(dataDir, { recursive: true, force: true });
        }
        running.clear();
    };
    process.once('exit', killAll);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
        const onSignal = () => {
            killAll();
            process.removeListener(signal, onSignal);
            // Our listener replaced the default "terminate"; restore it unless someone else handles the signal.
            if (process.listenerCount(signal) === 0)
                process.kill(process.pid, signal);
        };
        process.on(signal, onSignal);
    }
}
function toConfigText(config) {
    return typeof config === 'string' ? config : toYaml(config);
}
function delay(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
//# sourceMappingURL=processes.js.map