import { exitWithError } from '../cli/exit.js'
import { formatBanner, startDevnet } from './devnet.js'
import type { DevnetOptions } from './options.js'
import { createDevnetLogger } from './log-format.js'

/**
 * `hindsight devnet`: starts the devnet, prints what runs where, and runs until SIGINT/SIGTERM
 * (Ctrl-C) or until an anvil or the follower exits on its own; then stops everything in order and
 * exits. A second Ctrl-C while stopping kills what is left at once.
 */
export async function runDevnet(options: DevnetOptions): Promise<void> {
  const log = createDevnetLogger('devnet', { level: options.logLevel })
  const trafficLog = createDevnetLogger('traffic', { level: options.logLevel })
  const proposerLog = createDevnetLogger('proposer', { level: options.logLevel })
  const writeLine = (line: string) => process.stderr.write(line + '\n')

  // Ctrl-C reaches the whole foreground process group: the anvils and the follower get SIGINT from
  // the terminal too, so while starting, a signal only records that we must stop.
  let signalled: NodeJS.Signals | null = null
  let onSignal: (signal: NodeJS.Signals) => void = (signal) => {
    signalled = signal
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, (s) => onSignal(s))

  let devnet: Awaited<ReturnType<typeof startDevnet>>
  try {
    devnet = await startDevnet(options, { log, trafficLog, proposerLog, writeLine })
  } catch (err) {
    if (signalled !== null) process.exit(130)
    exitWithError(err)
  }
  const running = devnet

  let stopping = false
  const shutdown = async (reason: object, code: number) => {
    if (stopping) {
      log.warn('second signal: killing what is left')
      process.exit(code || 130)
    }
    stopping = true
    log.info(reason, 'stopping the devnet')
    await running.stop()
    log.info({ traffic: await running.traffic.stop() }, 'devnet stopped: the proposer, the follower and both anvils have exited')
    process.exit(code)
  }
  onSignal = (signal) => void shutdown({ signal }, 0)
  if (signalled !== null) return void shutdown({ signal: signalled }, 0)

  process.stdout.write(formatBanner(running, options))
  void running.unexpectedExit.then(({ service, exit }) => {
    // exit code 0 or death by SIGINT/SIGTERM: someone stopped it on purpose (e.g. Ctrl-C in the
    // terminal reached it before our own handler ran); anything else is a failure
    const clean = exit.code === 0 || exit.signal === 'SIGINT' || exit.signal === 'SIGTERM'
    if (!clean) log.error({ service, code: exit.code, signal: exit.signal, output: running[service].tail() }, `${service} exited`)
    void shutdown({ exited: service, code: exit.code, signal: exit.signal }, clean ? 0 : 1)
  })
}
