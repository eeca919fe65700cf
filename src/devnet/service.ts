import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { DevnetError } from './errors.js'
import { answersJsonRpc } from '../../fixtures/anvil/anvil.js'

export interface ServiceOptions {
  /** How the devnet names it in logs and errors. */
  name: string
  command: string
  args: string[]
  /** Receives each line the process writes (stdout and stderr); null = keep only a tail for errors. */
  onLine: ((line: string) => void) | null
}

export interface ServiceExit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface Service {
  readonly name: string
  readonly pid: number
  /** Settles when the process has exited, however it exits. */
  readonly exited: Promise<ServiceExit>
  readonly running: boolean
  /** The last lines it wrote, for error messages. */
  tail(): string
  /** Sends `signal`, then SIGKILL if it is still running after graceMs; resolves once it has exited. */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<ServiceExit>
}

const TAIL_LINES = 30

/**
 * Spawns one of the devnet's processes. Its output is read line by line (a pipe nobody drains
 * would stall it). If this process exits without stopping it (a crash, process.exit), it is
 * killed, so the devnet leaves no orphans behind short of being killed with SIGKILL itself.
 */
export function spawnService(options: ServiceOptions): Service {
  const child = spawn(options.command, options.args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  const onLine = (line: string) => {
    lines.push(line)
    if (lines.length > TAIL_LINES) lines.shift()
    options.onLine?.(line)
  }
  createInterface({ input: child.stdout! }).on('line', onLine)
  createInterface({ input: child.stderr! }).on('line', onLine)

  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  let running = true
  const exited = new Promise<ServiceExit>((resolve) => {
    child.once('error', (err) => {
      // spawn itself failed (no such binary): no exit event follows
      lines.push(err.message)
      running = false
      process.removeListener('exit', killOnExit)
      resolve({ code: null, signal: null })
    })
    child.once('exit', (code, signal) => {
      running = false
      process.removeListener('exit', killOnExit)
      resolve({ code, signal })
    })
  })

  return {
    name: options.name,
    pid: child.pid ?? -1,
    exited,
    get running() {
      return running
    },
    tail: () => lines.join('\n'),
    async stop(signal, graceMs) {
      if (running) {
        child.kill(signal)
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
        const exit = await exited
        clearTimeout(timer)
        return exit
      }
      return exited
    },
  }
}

/** Resolves once `url` answers eth_chainId; fails if the service exits first or after timeoutMs. */
export async function waitUntilAnswering(url: string, service: Service, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (!service.running) {
      const exit = await service.exited
      throw new DevnetError({
        code: 'PROCESS_FAILED',
        process: service.name,
        reason: `exited with ${exit.code ?? exit.signal} before answering on ${url}; its output ends with:\n${service.tail()}`,
      })
    }
    if (await answersJsonRpc(url)) return
    if (Date.now() > deadline) {
      throw new DevnetError({
        code: 'PROCESS_FAILED',
        process: service.name,
        reason: `no answer on ${url} within ${timeoutMs} ms; its output ends with:\n${service.tail()}`,
      })
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Fails with a readable error when something already listens on host:port. */
export async function assertPortFree(host: string, port: number, what: string, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer()
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new DevnetError({
          code: 'PROCESS_FAILED',
          process: what,
          reason: `cannot listen on ${host}:${port} (${err.code ?? err.message}): is another devnet or node running? Pick another port with ${flag}`,
        }),
      ),
    )
    server.listen(port, host, () => server.close(() => resolve()))
  })
}
